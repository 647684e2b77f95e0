import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { ImageShapeError } from '../errors.js';
import { to8bit } from './convert.js';
import type { RgbImage } from './types.js';

/** Lossless 8-bit PNG bytes (values clamped to [0,1] and rounded to nearest). */
export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  if (img.data.length !== img.width * img.height * 3 || img.width <= 0 || img.height <= 0) {
    throw new ImageShapeError(`cannot encode PNG: ${img.width}x${img.height} RGB needs ${img.width * img.height * 3} values, got ${img.data.length}`);
  }
  const raw = to8bit(img);
  const png = await sharp(raw, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

/**
 * Writes an 8-bit PNG atomically: into a temporary file beside the target, then rename, so
 * a reader (or a crashed run) never sees a half-written image.
 */
export async function writePng(path: string, img: RgbImage): Promise<void> {
  const bytes = await encodePng(img);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
