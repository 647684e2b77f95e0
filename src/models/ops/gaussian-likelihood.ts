import { tf } from '../../engine/index.js';
import { erfc } from './erfc.js';
import { lowerBound } from './lower-bound.js';
import { fusedGaussianLikelihood } from '../../engine/ops/gaussian.js';

/** CompressAI's GaussianConditional default scale lower bound. */
export const SCALE_BOUND = 0.11;

/**
 * P(v - 0.5 < Y < v + 0.5) for Y ~ N(mean, scale), as CompressAI's
 * GaussianConditional._likelihood: scales lower-bounded (LowerBound gradient), the symmetric
 * |v - m| form and Φ(u) = 0.5·erfc(-u/√2). No likelihood lower bound here (the caller adds it).
 */
export function gaussianLikelihood<T extends tf.Tensor>(
  values: T,
  scales: tf.Tensor,
  means?: tf.Tensor,
  scaleBound = SCALE_BOUND,
): T {
  return fusedGaussianLikelihood(values, scales, means, scaleBound) ?? gaussianLikelihoodOps(values, scales, means, scaleBound);
}

/**
 * gaussianLikelihood then CompressAI's likelihood lower bound (GaussianConditional.forward): on
 * the 'ort' engine one fused kernel each way, else the tf-op composition.
 */
export function boundedGaussianLikelihood<T extends tf.Tensor>(
  values: T,
  scales: tf.Tensor,
  means: tf.Tensor | undefined,
  scaleBound: number,
  likelihoodBound: number,
): T {
  return (
    fusedGaussianLikelihood(values, scales, means, scaleBound, likelihoodBound) ??
    tf.tidy(() => lowerBound(gaussianLikelihoodOps(values, scales, means, scaleBound), likelihoodBound))
  );
}

/** The composition of tf ops (any backend; the fused kernels' reference). */
export function gaussianLikelihoodOps<T extends tf.Tensor>(values: T, scales: tf.Tensor, means: tf.Tensor | undefined, scaleBound: number): T {
  return tf.tidy(() => {
    const v = tf.abs(means ? tf.sub(values, means) : values);
    const s = lowerBound(scales, scaleBound);
    const c = -Math.SQRT1_2;
    const upper = tf.mul(0.5, erfc(tf.mul(c, tf.div(tf.sub(0.5, v), s))));
    const lower = tf.mul(0.5, erfc(tf.mul(c, tf.div(tf.sub(-0.5, v), s))));
    return tf.sub(upper, lower) as T;
  });
}
