import { tf } from '../engine/index.js';
import { MS_SSIM_WEIGHTS } from '../metrics/ms-ssim.js';
import { resolveSsimOptions, ssimComponents } from '../metrics/ssim.js';

/** Floor applied to each scale's factor before the fractional power (see below). */
const FACTOR_FLOOR = 1e-6;

/**
 * MS-SSIM for the training loss: the metric's value (pytorch_msssim's definition, as
 * src/metrics/ms-ssim.ts computes it) with one change that only matters for gradients. The
 * metric raises relu(cs_i) to the power w_i < 1; where cs_i ≤ 0 (common for a randomly
 * initialised decoder) the power's derivative is infinite and relu's is 0, and ∞·0 = NaN
 * poisons the whole step. Here each factor is clipped to [1e-6, ∞) instead: identical values
 * whenever every factor is ≥ 1e-6, and a zero (finite) gradient where it is not.
 * Inputs: NHWC in [0,1], sides multiples of 16 and > 160 (the trainer's crops satisfy both).
 */
export function msSsimForLoss(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  const o = resolveSsimOptions({ dataRange: 1 });
  return tf.tidy(() => {
    let x = a;
    let y = b;
    const factors: tf.Tensor2D[] = [];
    for (let i = 0; i < MS_SSIM_WEIGHTS.length; i++) {
      const { ssim, cs } = ssimComponents(x, y, o);
      const last = i === MS_SSIM_WEIGHTS.length - 1;
      factors.push(tf.pow(tf.clipByValue(last ? ssim : cs, FACTOR_FLOOR, Number.MAX_VALUE), MS_SSIM_WEIGHTS[i]!));
      if (!last) {
        x = tf.avgPool(x, 2, 2, 'valid');
        y = tf.avgPool(y, 2, 2, 'valid');
      }
    }
    return tf.mean(factors.reduce((p, f) => tf.mul(p, f))) as tf.Scalar;
  });
}
