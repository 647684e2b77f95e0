import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import { steRound } from './ste-round.js';
import { randomNoise, type NoiseSource } from './noise.js';

/**
 * CompressAI's EntropyModel.quantize for the differentiable path:
 * - 'noise': x + U(-0.5, 0.5) (means ignored, as CompressAI);
 * - 'round': round(x - m) + m, zero gradient through the rounding;
 * - 'ste':   same values, gradient 1 w.r.t. x (and 0 w.r.t. m, as x + (q - x).detach());
 * - 'mixed': the value path of mixed quantization, i.e. 'ste' (the entropy models take the
 *            likelihood at the 'noise' value instead: see likelihoodInput).
 * `means` broadcasts against x (e.g. a per-channel [C] vector for NHWC x).
 */
export function quantize<T extends tf.Tensor>(
  x: T,
  mode: QuantMode,
  means?: tf.Tensor,
  noise: NoiseSource = randomNoise,
): T {
  return tf.tidy(() => {
    if (mode === 'noise') return tf.add(x, noise.uniform(x.shape)) as T;
    const centered = means ? tf.sub(x, means) : x;
    const rounded = mode === 'round' ? tf.round(centered) : steRound(centered);
    return (means ? tf.add(rounded, means) : rounded) as T;
  });
}

/**
 * The value an entropy model evaluates its likelihood at: the quantized value itself, except in
 * 'mixed' mode, where the rate sees the noisy proxy while the decoder sees the rounded value.
 */
export function likelihoodInput<T extends tf.Tensor>(
  x: T,
  xHat: T,
  mode: QuantMode,
  means?: tf.Tensor,
  noise: NoiseSource = randomNoise,
): T {
  return mode === 'mixed' ? quantize(x, 'noise', means, noise) : xHat;
}
