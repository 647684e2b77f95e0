import type { RgbImage } from '../../src/image/types.js';

/** A deterministic 8-bit test image with smooth regions, edges and texture (no file I/O). */
export function testImage(width = 64, height = 64, variant = 0): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      for (let k = 0; k < 3; k++) {
        const smooth = 0.5 + 0.3 * Math.sin((i + 3 * variant) / 9 + k) * Math.cos((j - 2 * variant) / 13 - k);
        const edge = (i + variant * 5) % 32 < 16 !== j % 24 < 12 ? 0.12 : -0.12;
        const texture = 0.06 * Math.sin(i * 1.7 + j * 2.3 + k * 0.9 + variant);
        const v = Math.min(1, Math.max(0, smooth + edge + texture));
        data[(i * width + j) * 3 + k] = Math.round(v * 255) / 255;
      }
    }
  }
  return { width, height, data };
}

export function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

export function linf(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function l2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** True when every value is k/255 for an integer k. */
export function on8bitGrid(a: Float32Array): boolean {
  return a.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-3);
}
