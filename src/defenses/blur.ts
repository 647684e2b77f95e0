import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import type { InputTransform } from './types.js';

export interface BlurOptions {
  /** Standard deviation in pixels. Default 1. */
  sigma: number;
}

export const BLUR_DEFAULTS: BlurOptions = { sigma: 1 };

/**
 * Gaussian blur (separable, radius ⌈3σ⌉, reflect padding so borders keep their brightness).
 * Differentiable, so the adaptive attacker differentiates straight through it.
 */
export function blurTransform(opts: Partial<BlurOptions> = {}): InputTransform {
  const { sigma } = { ...BLUR_DEFAULTS, ...opts };
  if (!(sigma > 0 && sigma <= 10)) throw new ConfigError(`defence blur: sigma must be in (0, 10] (got ${sigma})`);
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  const kernel = taps.map((t) => t / sum);
  const blur = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const [, h, w] = x.shape;
      if (h <= radius || w <= radius) throw new ConfigError(`defence blur: image ${w}x${h} is too small for sigma ${sigma}`);
      const padded = tf.mirrorPad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
      // depthwise filters [kh, kw, 3, 1]: one row pass, one column pass.
      const row = tf.tile(tf.tensor4d(kernel, [1, kernel.length, 1, 1]), [1, 1, 3, 1]) as tf.Tensor4D;
      const col = tf.tile(tf.tensor4d(kernel, [kernel.length, 1, 1, 1]), [1, 1, 3, 1]) as tf.Tensor4D;
      return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, row, 1, 'valid'), col, 1, 'valid');
    });
  return { name: 'blur', options: { sigma }, random: false, gradient: 'exact', apply: blur, surrogate: blur };
}
