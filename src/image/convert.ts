import type { RgbImage } from './types.js';

/** [0,1] float → 8-bit: clamp, then round half up (x*255 + 0.5, floored), as PIL/torchvision do. */
export function to8bit(img: RgbImage): Uint8Array {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i]!;
    // NaN maps to 0 rather than poisoning the output.
    out[i] = v > 0 ? (v < 1 ? Math.floor(v * 255 + 0.5) : 255) : 0;
  }
  return out;
}

/** 8-bit interleaved RGB → [0,1] float image. */
export function from8bit(u8: Uint8Array, width: number, height: number): RgbImage {
  if (u8.length !== width * height * 3) {
    throw new RangeError(`from8bit: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${u8.length}`);
  }
  const data = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) data[i] = u8[i]! / 255;
  return { width, height, data };
}

/** Rounds to the nearest 8-bit level (clamped): the image an attacker can actually hand over. */
export function quantize8(img: RgbImage): RgbImage {
  return from8bit(to8bit(img), img.width, img.height);
}
