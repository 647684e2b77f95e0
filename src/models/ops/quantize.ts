import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import { steRound } from './ste-round.js';
import { randomNoise, type NoiseSource } from './noise.js';

/**
 * CompressAI's EntropyModel.quantize for the differentiable path:
 * - 'noise': x + U(-0.5, 0.5) (means ignored, as CompressAI);
 * - 'round': round(x - m) + m, zero gradient through the rounding;
 * - 'ste':   same values, gradient 1 w.r.t. x (and 0 w.r.t. m, as x + (q - x).detach()).
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
    const rounded = mode === 'ste' ? steRound(centered) : tf.round(centered);
    return (means ? tf.add(rounded, means) : rounded) as T;
  });
}
