import { tf } from '../engine/index.js';
import { ImageSizeError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import { pairAsTensors, resolveSsimOptions, ssimComponents, type SsimOptions } from './ssim.js';

/** Per-scale exponents of Wang et al. 2003, as in pytorch_msssim. */
export const MS_SSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/**
 * MS-SSIM as pytorch_msssim computes it (CompressAI's evaluation metric), differentiable:
 * at each of 5 scales the per-channel contrast-structure mean (ReLU'd) is kept, the images are
 * average-pooled 2x2 (an odd side is first zero-padded by one pixel on both ends, and the
 * zeros count in the average, like torch's avg_pool2d(padding=1)); the last scale keeps the
 * ReLU'd SSIM. Result = mean over images and channels of Π cs_i^w_i · ssim_5^w_5.
 * The smaller side must exceed (winSize − 1) · 2⁴ = 160 px; smaller images throw ImageSizeError.
 */
export function msSsim(a: tf.Tensor4D | RgbImage, b: tf.Tensor4D | RgbImage, opts: SsimOptions = {}): tf.Scalar {
  const o = resolveSsimOptions(opts);
  const levels = MS_SSIM_WEIGHTS.length;
  const minSide = (o.winSize - 1) * 2 ** (levels - 1);
  return tf.tidy(() => {
    const [a4, b4] = pairAsTensors(a, b, 'ms-ssim');
    const [, h, w] = a4.shape;
    if (Math.min(h, w) <= minSide) {
      throw new ImageSizeError(`MS-SSIM needs both image sides > ${minSide} px (4 downsamplings), got ${w}x${h}`);
    }
    let x = a4.toFloat();
    let y = b4.toFloat();
    const factors: tf.Tensor2D[] = [];
    for (let i = 0; i < levels; i++) {
      const { ssim, cs } = ssimComponents(x, y, o);
      if (i < levels - 1) {
        factors.push(tf.relu(cs));
        x = halve(x);
        y = halve(y);
      } else {
        factors.push(tf.relu(ssim));
      }
    }
    const weights = tf.tensor(MS_SSIM_WEIGHTS as number[]).reshape([levels, 1, 1]);
    return tf.stack(factors).pow(weights).prod(0).mean() as tf.Scalar;
  });
}

/** MS-SSIM as a plain number (no gradient). */
export function msSsimValue(a: tf.Tensor4D | RgbImage, b: tf.Tensor4D | RgbImage, opts: SsimOptions = {}): number {
  const s = msSsim(a, b, opts);
  const v = s.dataSync()[0]!;
  s.dispose();
  return v;
}

/** MS-SSIM in decibels, -10 log10(1 - v), as reported in CompressAI plots; Infinity at v = 1. */
export function msSsimDb(v: number): number {
  return -10 * Math.log10(1 - v);
}

/** 2x2 average pool; odd sides zero-padded by one on both ends (torch avg_pool2d semantics). */
function halve(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const ph = h % 2;
  const pw = w % 2;
  const padded = ph || pw ? tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : x;
  return tf.avgPool(padded, 2, 2, 'valid');
}
