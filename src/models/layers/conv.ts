import { tf } from '../../engine/index.js';
import { conv2dBias, conv2dTransposeBias } from '../../engine/ops/conv.js';
import type { ParamStore } from '../param-store.js';
import { uniformArray } from '../init.js';
import type { Layer } from './layer.js';

/** OIHW (torch Conv2d) → HWIO (tf); also [in, out, kh, kw] (ConvTranspose2d) → [kh, kw, out, in]. */
export const TORCH_TO_TF_FILTER = [2, 3, 1, 0];

/**
 * CompressAI's conv(in, out, k=5, s=2): nn.Conv2d with padding k//2 (symmetric). The filter is
 * stored HWIO; PyTorch's default init U(±1/√fan_in) for weight and bias.
 */
export class Conv2d implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    store: ParamStore,
    key: string,
    inC: number,
    outC: number,
    readonly kernel = 5,
    readonly stride = 2,
    rand: () => number = Math.random,
  ) {
    const bound = 1 / Math.sqrt(inC * kernel * kernel);
    this.weight = store.addParam(`${key}.weight`, [outC, inC, kernel, kernel], uniformArray(outC * inC * kernel * kernel, bound, rand), {
      toTf: TORCH_TO_TF_FILTER,
    });
    this.bias = store.addParam(`${key}.bias`, [outC], uniformArray(outC, bound, rand));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return conv2dBias(x, this.weight as tf.Tensor4D, this.bias as tf.Tensor1D, this.stride, Math.floor(this.kernel / 2));
  }
}

/**
 * CompressAI's deconv(in, out, k=5, s=2): nn.ConvTranspose2d with padding k//2 and
 * output_padding s-1, so the output is exactly s× the input. PyTorch stores [in, out, kh, kw];
 * tf's conv2dTranspose takes [kh, kw, out, in] of the same (unflipped) kernel, both being the
 * input-gradient of the matching strided conv.
 */
export class ConvTranspose2d implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    store: ParamStore,
    key: string,
    inC: number,
    readonly outC: number,
    readonly kernel = 5,
    readonly stride = 2,
    rand: () => number = Math.random,
  ) {
    // PyTorch computes ConvTranspose fan-in from weight.size(1) = out channels.
    const bound = 1 / Math.sqrt(outC * kernel * kernel);
    this.weight = store.addParam(`${key}.weight`, [inC, outC, kernel, kernel], uniformArray(inC * outC * kernel * kernel, bound, rand), {
      toTf: TORCH_TO_TF_FILTER,
    });
    this.bias = store.addParam(`${key}.bias`, [outC], uniformArray(outC, bound, rand));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w] = x.shape;
      const out: [number, number, number, number] = [b, h * this.stride, w * this.stride, this.outC];
      return conv2dTransposeBias(x, this.weight as tf.Tensor4D, out, this.stride, Math.floor(this.kernel / 2), this.bias as tf.Tensor1D);
    });
  }
}
