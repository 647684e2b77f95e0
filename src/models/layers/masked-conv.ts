import { tf } from '../../engine/index.js';
import { conv2dBias } from '../../engine/ops/conv.js';
import { WeightsMismatchError } from '../../errors.js';
import type { ParamStore, StateTensor } from '../param-store.js';
import { Conv2d, TORCH_TO_TF_FILTER } from './conv.js';
import type { Layer } from './layer.js';

/**
 * CompressAI's MaskedConv2d (PixelCNN): a stride-1 conv with padding k//2 whose weight is
 * multiplied by a fixed mask, buffer `key.mask` (float32, OIHW like the weight). Type 'A' hides
 * the current position and everything after it in raster order; 'B' keeps the current one.
 * CompressAI masks the weight in place at every forward; using weight·mask is the same function.
 */
export class MaskedConv2d implements Layer {
  readonly conv: Conv2d;
  /** Mask in torch layout [out, in, k, k]. */
  private maskTorch: Float32Array;
  /** The same mask in tf layout [k, k, in, out]. */
  private maskTf: tf.Tensor4D;

  constructor(
    store: ParamStore,
    key: string,
    readonly inC: number,
    readonly outC: number,
    readonly kernel = 5,
    maskType: 'A' | 'B' = 'A',
    rand?: () => number,
  ) {
    this.conv = new Conv2d(store, key, inC, outC, kernel, 1, rand);
    this.maskTorch = MaskedConv2d.typeMask(outC, inC, kernel, maskType);
    this.maskTf = this.toTf(this.maskTorch);
    store.addBuffer(`${key}.mask`, {
      get: (): StateTensor => ({ shape: [outC, inC, kernel, kernel], dtype: 'float32', data: this.maskTorch.slice() }),
      set: (t: StateTensor) => {
        if (t.dtype !== 'float32') throw new WeightsMismatchError(`${key}.mask must be float32, got ${t.dtype}`);
        this.maskTorch = Float32Array.from(t.data);
        this.maskTf.dispose();
        this.maskTf = this.toTf(this.maskTorch);
      },
      // Absent from slim weight files: the constructor's type mask is the same (weights/derivable.ts).
      optional: true,
    });
  }

  /** The PixelCNN mask in OIHW: ones up to (type A: before; B: at) the centre, in raster order. */
  static typeMask(outC: number, inC: number, k: number, type: 'A' | 'B'): Float32Array {
    const plane = new Float32Array(k * k);
    const c = Math.floor(k / 2);
    for (let h = 0; h < k; h++) for (let w = 0; w < k; w++) plane[h * k + w] = h < c || (h === c && w < c + (type === 'B' ? 1 : 0)) ? 1 : 0;
    const m = new Float32Array(outC * inC * k * k);
    for (let i = 0; i < outC * inC; i++) m.set(plane, i * k * k);
    return m;
  }

  private toTf(m: Float32Array): tf.Tensor4D {
    const k = this.kernel;
    return tf.tidy(() => tf.transpose(tf.tensor4d(m, [this.outC, this.inC, k, k]), TORCH_TO_TF_FILTER));
  }

  /** Mask in tf layout (HWIO), as plain data. */
  maskHwio(): Float32Array {
    return this.maskTf.dataSync() as Float32Array;
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const w = tf.mul(this.conv.weight, this.maskTf) as tf.Tensor4D;
      return conv2dBias(x, w, this.conv.bias as tf.Tensor1D, 1, Math.floor(this.kernel / 2));
    });
  }

  dispose(): void {
    this.maskTf.dispose();
  }
}
