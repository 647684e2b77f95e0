import { readImage } from '../../src/image/read.js';
import { quantize8 } from '../../src/image/convert.js';
import type { RgbImage } from '../../src/image/types.js';
import { SHARED_DIR } from '../../src/shared-data.js';

export const KODIM23 = `${SHARED_DIR}/data/kodak/kodim23.png`;

/** A w x h crop of an image starting at (left, top). */
export function crop(img: RgbImage, left: number, top: number, w: number, h: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + w) * 3), y * w * 3);
  return { width: w, height: h, data };
}

/** Deterministic, structured perturbation (no RNG), rounded to 8 bits like a handed-over image. */
export function perturb(img: RgbImage, amplitude: number): RgbImage {
  const data = Float32Array.from(img.data, (v, i) => v + amplitude * Math.sin(i * 0.7071) * Math.cos(i * 0.0137));
  return quantize8({ width: img.width, height: img.height, data });
}

/** Smooth synthetic colour pattern of any size (odd sizes exercise MS-SSIM's pooling padding). */
export function synthetic(w: number, h: number, phase: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        data[(y * w + x) * 3 + c] = 0.5 + 0.4 * Math.sin((x + 3 * c) * 0.11 + phase) * Math.cos((y - 2 * c) * 0.07 - phase) + 0.05 * Math.sin(x * y * 0.003 + c);
  return quantize8({ width: w, height: h, data });
}

/** kodim23 (parrots) crop 192x192 at (288, 160), 8-bit as stored. */
export async function kodakCrop(): Promise<RgbImage> {
  return crop(await readImage(KODIM23), 288, 160, 192, 192);
}
