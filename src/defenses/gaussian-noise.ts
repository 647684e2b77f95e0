import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import type { InputTransform } from './types.js';

export interface NoiseOptions {
  /** Standard deviation on the [0,1] scale. Default 0.03 (≈ 8/255). */
  sigma: number;
}

export const NOISE_DEFAULTS: NoiseOptions = { sigma: 0.03 };

/**
 * Additive Gaussian noise, a fresh seeded draw per call, clipped to [0,1]. Differentiable but
 * random: the adaptive attacker averages gradients over samples (EOT).
 */
export function noiseTransform(opts: Partial<NoiseOptions> = {}): InputTransform {
  const { sigma } = { ...NOISE_DEFAULTS, ...opts };
  if (!(sigma > 0 && sigma <= 1)) throw new ConfigError(`defence noise: sigma must be in (0, 1] (got ${sigma})`);
  const noisy = (x: tf.Tensor4D, seed: number): tf.Tensor4D =>
    tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, sigma, 'float32', seed)), 0, 1) as tf.Tensor4D);
  return { name: 'noise', options: { sigma }, random: true, gradient: 'eot', apply: noisy, surrogate: noisy };
}
