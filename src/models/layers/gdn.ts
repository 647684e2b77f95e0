import { tf } from '../../engine/index.js';
import { scalarBuffer, type ParamStore, positiveConstantBuffer } from '../param-store.js';
import { lowerBound } from '../ops/lower-bound.js';
import { gdn } from '../../engine/ops/gdn.js';
import type { Layer } from './layer.js';

const REPARAM_OFFSET = 2 ** -18;
const PEDESTAL = REPARAM_OFFSET ** 2; // 2^-36

/**
 * CompressAI's NonNegativeParametrizer: the stored (raw) value r maps to
 * lowerBound(r, √(min + pedestal))² − pedestal; init(v) = √max(v + pedestal, pedestal).
 * The state dict holds the raw values (`g_a.1.beta`), not the effective ones.
 */
class NonNegative {
  pedestal = Math.fround(PEDESTAL);
  bound: number;
  constructor(minimum: number) {
    this.bound = Math.fround(Math.sqrt(minimum + PEDESTAL));
  }
  init(v: Float32Array): Float32Array {
    return v.map((x) => Math.sqrt(Math.max(x + this.pedestal, this.pedestal)));
  }
  effective(raw: tf.Tensor): tf.Tensor {
    return tf.sub(tf.square(lowerBound(raw, this.bound)), this.pedestal);
  }
  register(store: ParamStore, key: string): void {
    store.addBuffer(`${key}.pedestal`, positiveConstantBuffer(() => this.pedestal, (v) => (this.pedestal = v)));
    store.addBuffer(`${key}.lower_bound.bound`, scalarBuffer(() => this.bound, (v) => (this.bound = v)));
  }
}

/** GDN / inverse GDN (Ballé et al.), CompressAI parametrization: beta_min 1e-6, gamma_init 0.1. */
export class GDN implements Layer {
  readonly beta: tf.Variable;
  readonly gamma: tf.Variable;
  private readonly betaReparam = new NonNegative(1e-6);
  private readonly gammaReparam = new NonNegative(0);

  constructor(store: ParamStore, key: string, channels: number, readonly inverse = false) {
    this.beta = store.addParam(`${key}.beta`, [channels], this.betaReparam.init(new Float32Array(channels).fill(1)));
    const eye = new Float32Array(channels * channels);
    for (let i = 0; i < channels; i++) eye[i * channels + i] = 0.1;
    this.gamma = store.addParam(`${key}.gamma`, [channels, channels], this.gammaReparam.init(eye));
    this.betaReparam.register(store, `${key}.beta_reparam`);
    this.gammaReparam.register(store, `${key}.gamma_reparam`);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const beta = this.betaReparam.effective(this.beta) as tf.Tensor1D;
      const gamma = this.gammaReparam.effective(this.gamma) as tf.Tensor2D;
      return gdn(x, beta, gamma, this.inverse);
    });
  }
}
