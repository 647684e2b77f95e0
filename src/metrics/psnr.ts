import { assertSameShape, valuesOf, type ImageLike } from './image-like.js';

export interface PsnrOptions {
  /** Peak signal value; 1 for [0,1] images (= 255 in 8-bit). */
  peak?: number;
  /**
   * Round both images to 8-bit levels first (DESIGN §6: what is actually handed over); default
   * true. Assumes [0,1] data: the MSE is then in [0,1] units, so keep peak at 1.
   */
  round8?: boolean;
}

/** Mean squared error over all values, computed in float64. */
export function mse(a: ImageLike, b: ImageLike, opts: { round8?: boolean } = {}): number {
  assertSameShape(a, b, 'mse');
  const x = valuesOf(a);
  const y = valuesOf(b);
  const round = opts.round8 ?? false;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = round ? level8(x[i]!) - level8(y[i]!) : x[i]! - y[i]!;
    sum += d * d;
  }
  return round ? sum / (x.length * 255 * 255) : sum / x.length;
}

/**
 * PSNR in dB = 10 log10(peak² / MSE), by default on 8-bit-rounded images with peak 1.
 * Identical images (MSE 0) give Infinity; JSON output should map it to null explicitly.
 */
export function psnr(a: ImageLike, b: ImageLike, opts: PsnrOptions = {}): number {
  const peak = opts.peak ?? 1;
  const m = mse(a, b, { round8: opts.round8 ?? true });
  return m === 0 ? Infinity : 10 * Math.log10((peak * peak) / m);
}

/** Clamp to [0,1] and round to the nearest of the 256 levels (integer 0..255). */
function level8(v: number): number {
  return v > 0 ? (v < 1 ? Math.floor(v * 255 + 0.5) : 255) : 0;
}
