import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import type { InputTransform } from './types.js';

export interface ResizeOptions {
  /** Downscale factor in (0, 1). Default 0.5. */
  scale: number;
}

export const RESIZE_DEFAULTS: ResizeOptions = { scale: 0.5 };

/** Bilinear down-then-up resampling to the original size (half-pixel centres). Differentiable. */
export function resizeTransform(opts: Partial<ResizeOptions> = {}): InputTransform {
  const { scale } = { ...RESIZE_DEFAULTS, ...opts };
  if (!(scale > 0 && scale < 1)) throw new ConfigError(`defence resize: scale must be in (0, 1) (got ${scale})`);
  const downUp = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const [, h, w] = x.shape;
      const small = tf.image.resizeBilinear(x, [Math.max(1, Math.round(h * scale)), Math.max(1, Math.round(w * scale))], false, true);
      return tf.image.resizeBilinear(small, [h, w], false, true);
    });
  return { name: 'resize', options: { scale }, random: false, gradient: 'exact', apply: downUp, surrogate: downUp };
}
