import { assertSameShape, valuesOf, type ImageLike } from './image-like.js';
import { psnr } from './psnr.js';

/** L∞ norm of a perturbation: the largest absolute value, in [0,1] units. */
export function linf(delta: ImageLike): number {
  const d = valuesOf(delta);
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]!));
  return m;
}

/** L2 norm of a perturbation over every pixel and channel of the image, in [0,1] units. */
export function l2(delta: ImageLike): number {
  const d = valuesOf(delta);
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  return Math.sqrt(s);
}

/** Element-wise xAdv − x as a flat Float32Array (same layout as the inputs). */
export function perturbation(x: ImageLike, xAdv: ImageLike): Float32Array {
  assertSameShape(x, xAdv, 'perturbation');
  const a = valuesOf(x);
  const b = valuesOf(xAdv);
  return Float32Array.from(b, (v, i) => v - a[i]!);
}

/** PSNR of the adversarial image against the original, both rounded to 8 bits (Infinity if equal). */
export function perturbationPsnr(x: ImageLike, xAdv: ImageLike): number {
  return psnr(x, xAdv, { round8: true });
}
