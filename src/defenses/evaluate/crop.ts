import type { RgbImage } from '../../image/types.js';

/** Centre crop to at most size×size (0 keeps the image). */
export function centreCrop(img: RgbImage, size: number): RgbImage {
  if (size <= 0 || (img.width <= size && img.height <= size)) return img;
  const w = Math.min(size, img.width);
  const h = Math.min(size, img.height);
  const left = Math.floor((img.width - w) / 2);
  const top = Math.floor((img.height - h) / 2);
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + w) * 3), y * w * 3);
  return { width: w, height: h, data };
}
