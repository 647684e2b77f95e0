import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import { ransDecodeWithIndexes, ransEncodeWithIndexes } from '../../entropy/rans.js';
import { buildGaussianConditionalTables } from '../../entropy/cdf.js';
import { scalarBuffer, type ParamStore, positiveConstantBuffer } from '../param-store.js';
import { likelihoodInput, quantize } from '../ops/quantize.js';
import { boundedGaussianLikelihood, SCALE_BOUND } from '../ops/gaussian-likelihood.js';
import type { NoiseSource } from '../ops/noise.js';
import { CdfBuffers } from './cdf-buffers.js';
import { channelMajor, fromChannelMajor } from './layout.js';

/**
 * CompressAI's get_scale_table(0.11, 256, 64) = exp(linspace(log min, log max, levels)) in
 * float32, reproducing torch's CPU linspace: 8-wide vector chunks, each chunk's base from the
 * start (first half) or from the end (second half), then base + i·step within the chunk.
 */
export function defaultScaleTable(min = 0.11, max = 256, levels = 64): Float32Array {
  const f = Math.fround;
  const start = f(Math.log(min));
  const end = f(Math.log(max));
  const step = f(f(end - start) / (levels - 1));
  const half = Math.floor(levels / 2);
  const lanes = 8;
  return Float32Array.from({ length: levels }, (_, idx) => {
    const chunk = idx - (idx % lanes);
    const base = chunk < half ? f(start + f(step * chunk)) : f(end - f(step * (levels - 1 - chunk)));
    return f(Math.exp(f(base + f(step * (idx - chunk)))));
  });
}

/**
 * CompressAI's GaussianConditional: latents coded with a discretized N(mean, scale), scales
 * mapped to the nearest-above entry of a 64-entry log-spaced table for entropy coding.
 */
export class GaussianConditional {
  readonly cdf = new CdfBuffers();
  scaleTable: Float32Array = new Float32Array(0);
  private scaleBound = Math.fround(SCALE_BOUND);
  private lowerBoundScale = Math.fround(SCALE_BOUND);
  private likelihoodBound = Math.fround(1e-9);

  constructor(store: ParamStore, prefix: string, readonly tailMass = 1e-9) {
    this.cdf.register(store, prefix);
    store.addBuffer(`${prefix}.scale_table`, {
      get: () => ({ shape: [this.scaleTable.length], dtype: 'float32', data: this.scaleTable.slice() }),
      set: (t) => (this.scaleTable = Float32Array.from(t.data)),
      flexible: true,
      optional: true,
    });
    store.addBuffer(`${prefix}.scale_bound`, scalarBuffer(() => this.scaleBound, (v) => (this.scaleBound = v)));
    store.addBuffer(`${prefix}.lower_bound_scale.bound`, scalarBuffer(() => this.lowerBoundScale, (v) => (this.lowerBoundScale = v)));
    store.addBuffer(`${prefix}.likelihood_lower_bound.bound`, positiveConstantBuffer(() => this.likelihoodBound, (v) => (this.likelihoodBound = v)));
  }

  /** Quantized y and its likelihood (lower-bounded), NHWC; means optional (scale-only model). */
  forward(
    y: tf.Tensor4D,
    scales: tf.Tensor4D,
    means: tf.Tensor4D | undefined,
    mode: QuantMode,
    noise?: NoiseSource,
  ): { yHat: tf.Tensor4D; likelihood: tf.Tensor4D } {
    return tf.tidy(() => {
      const yHat = quantize(y, mode, means, noise);
      const atValue = likelihoodInput(y, yHat, mode, means, noise);
      return { yHat, likelihood: boundedGaussianLikelihood(atValue, scales, means, this.lowerBoundScale, this.likelihoodBound) };
    });
  }

  /** CDF index per scale: len−1 minus the number of table entries (but the last) ≥ the bounded scale. */
  buildIndexes(scales: Float32Array): Int32Array {
    const table = this.scaleTable;
    const last = table.length - 1;
    return Int32Array.from(scales, (s0) => {
      const s = Math.max(s0, this.lowerBoundScale);
      let idx = last;
      for (let k = 0; k < last; k++) if (s <= table[k]!) idx--;
      return idx;
    });
  }

  /** Sets the default scale table (when absent or forced) and builds the CDF tables. */
  update(force = false): boolean {
    if (this.cdf.ready && !force) return false;
    if (this.scaleTable.length === 0 || force) this.scaleTable = defaultScaleTable();
    this.cdf.set(buildGaussianConditionalTables(this.scaleTable, this.tailMass));
    return true;
  }

  /** One string per batch item: symbols round(y − means) and indexes from scales, C order. */
  compress(y: tf.Tensor4D, scales: tf.Tensor4D, means?: tf.Tensor4D): Uint8Array[] {
    const tables = this.cdf.tables('GaussianConditional.compress');
    const symbols = tf.tidy(() => tf.round(means ? tf.sub(y, means) : y) as tf.Tensor4D);
    try {
      return Array.from({ length: y.shape[0] }, (_, i) =>
        ransEncodeWithIndexes(Int32Array.from(channelMajor(symbols, i)), this.buildIndexes(channelMajor(scales, i)), tables),
      );
    } finally {
      symbols.dispose();
    }
  }

  /** Inverse of compress given the same scales (and means): NHWC y_hat. */
  decompress(strings: Uint8Array[], scales: tf.Tensor4D, means?: tf.Tensor4D): tf.Tensor4D {
    const tables = this.cdf.tables('GaussianConditional.decompress');
    const [, h, w, c] = scales.shape;
    const items = strings.map((s, i) => {
      const sym = ransDecodeWithIndexes(s, this.buildIndexes(channelMajor(scales, i)), tables);
      const m = means ? channelMajor(means, i) : undefined;
      return Float32Array.from(sym, (v, k) => (m ? v + m[k]! : v));
    });
    return fromChannelMajor(items, c, h, w);
  }
}
