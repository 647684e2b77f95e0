import type { CachedImage } from './image-folder.js';
import type { Rng } from './rng.js';

export interface CropOptions {
  batch: number;
  crop: number;
  /** Mirror each crop left-right with probability 1/2. */
  flip: boolean;
}

/**
 * Draws one training batch: for each item a uniformly chosen image, a uniform random
 * crop × crop window and an optional horizontal flip, all from `rng` (so the batch sequence
 * is a pure function of the rng state). Returns NHWC float32 in [0,1], ready for tf.tensor4d.
 */
export function sampleBatch(images: readonly CachedImage[], rng: Rng, opts: CropOptions): Float32Array {
  const { batch, crop, flip } = opts;
  const out = new Float32Array(batch * crop * crop * 3);
  const rowLen = crop * 3;
  for (let b = 0; b < batch; b++) {
    const img = images[rng.int(images.length)]!;
    const top = rng.int(img.height - crop + 1);
    const left = rng.int(img.width - crop + 1);
    const mirror = flip && rng.next() < 0.5;
    const base = b * crop * rowLen;
    for (let y = 0; y < crop; y++) {
      const src = ((top + y) * img.width + left) * 3;
      const dst = base + y * rowLen;
      if (!mirror) {
        for (let i = 0; i < rowLen; i++) out[dst + i] = img.pixels[src + i]! / 255;
      } else {
        for (let x = 0; x < crop; x++) {
          const s = src + (crop - 1 - x) * 3;
          const d = dst + x * 3;
          out[d] = img.pixels[s]! / 255;
          out[d + 1] = img.pixels[s + 1]! / 255;
          out[d + 2] = img.pixels[s + 2]! / 255;
        }
      }
    }
  }
  return out;
}
