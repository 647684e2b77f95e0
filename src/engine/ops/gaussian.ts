import * as tf from '@tensorflow/tfjs-core';
import { GAUSSIAN_DS_KERNEL, GAUSSIAN_DV_KERNEL, GAUSSIAN_KERNEL, type GaussianAttrs } from '../ort/kernels/gaussian.js';

let gradientRegistered = false;

/** Per-input lazy gradients (values, scales, means = −values'); each one ORT graph. */
function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: GAUSSIAN_KERNEL,
    inputsToSave: ['values', 'scales', 'means'],
    gradFunc: (dy, saved, attrs) => {
      const [values, scales, means] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const ins = { values, scales, means, dy: dy as tf.Tensor };
      const run = (name: string): tf.Tensor => tf.engine().runKernel(name, ins, attrs) as tf.Tensor;
      return {
        values: () => run(GAUSSIAN_DV_KERNEL),
        scales: () => run(GAUSSIAN_DS_KERNEL),
        means: () => tf.neg(run(GAUSSIAN_DV_KERNEL)),
      };
    },
  });
}

/**
 * The Gaussian conditional's likelihood of `values` under N(means, max(scales, scaleBound))
 * over unit bins, optionally lower-bounded (both bounds with CompressAI's LowerBound gradient),
 * as one fused ORT kernel each way: on the 'ort' engine with float32 tensors of one shape (means
 * may be absent). Undefined otherwise: the caller then uses its tf-op composition.
 */
export function fusedGaussianLikelihood<T extends tf.Tensor>(
  values: T, scales: tf.Tensor, means: tf.Tensor | undefined, scaleBound: number, likelihoodBound?: number,
): T | undefined {
  if (tf.getBackend() !== 'ort') return undefined;
  const same = (t: tf.Tensor): boolean => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, values.shape);
  if (values.dtype !== 'float32' || !same(scales) || (means && !same(means))) return undefined;
  registerGradient();
  const attrs: GaussianAttrs = { scaleBound, bounded: likelihoodBound !== undefined, likelihoodBound: likelihoodBound ?? 0 };
  return tf.tidy(() => {
    // Absent means: a scalar 0 (made here, so never on a differentiated path).
    const m = means ?? tf.scalar(0);
    return tf.engine().runKernel(GAUSSIAN_KERNEL, { values, scales, means: m }, attrs as unknown as tf.NamedAttrMap) as T;
  });
}
