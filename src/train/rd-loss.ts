import { tf } from '../engine/index.js';
import { msSsimForLoss } from './ms-ssim-loss.js';
import type { ModelForward } from '../models/types.js';

export type DistortionMetric = 'mse' | 'ms-ssim';

export interface RdLossTerms {
  /** λ·D + R, what the optimiser minimises. */
  loss: tf.Scalar;
  /** Estimated bits per pixel of all latents (y and z), from the likelihoods. */
  bpp: tf.Scalar;
  /** Mean squared error on the [0,1] scale (always computed: PSNR for the logs). */
  mse: tf.Scalar;
  /** MS-SSIM, only when it is the training metric. */
  msSsim?: tf.Scalar;
}

/**
 * CompressAI's RateDistortionLoss:
 *   R = Σ_latents Σ −log2(likelihood) / (B·H·W)
 *   mse:     loss = λ · 255² · MSE + R
 *   ms-ssim: loss = λ · (1 − MS-SSIM) + R   (needs crops > 160 px: MS-SSIM's 5 scales;
 *            gradient-safe variant, see ms-ssim-loss.ts)
 * Call inside tf.tidy / variableGrads; returns scalars owned by the caller's scope.
 */
export function rdLoss(out: ModelForward, x: tf.Tensor4D, lambda: number, metric: DistortionMetric): RdLossTerms {
  const [b, h, w] = x.shape;
  const pixels = b * h * w;
  const bitTerms = Object.values(out.likelihoods).map((l) => tf.sum(tf.log(l)));
  const bpp = tf.div(bitTerms.length === 1 ? bitTerms[0]! : tf.addN(bitTerms), -Math.LN2 * pixels) as tf.Scalar;
  const mse = tf.mean(tf.squaredDifference(out.xHat, x)) as tf.Scalar;
  if (metric === 'ms-ssim') {
    const s = msSsimForLoss(out.xHat, x);
    const loss = tf.add(tf.mul(tf.sub(1, s), lambda), bpp) as tf.Scalar;
    return { loss, bpp, mse, msSsim: s };
  }
  const loss = tf.add(tf.mul(mse, lambda * 255 * 255), bpp) as tf.Scalar;
  return { loss, bpp, mse };
}
