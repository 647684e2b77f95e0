import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { ConfigError } from '../errors.js';
import { readImage, to8bit } from '../image/index.js';

/** One decoded training image kept in memory as 8-bit RGB (4x smaller than float). */
export interface CachedImage {
  /** Path relative to the folder, for logs and manifests. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes, interleaved RGB, row-major. */
  readonly pixels: Uint8Array;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** What a folder is for, and the option that sets it: named by the errors about it. */
export interface ImageFolderRole {
  what: string;
  flag: string;
}

const TRAINING_DATA: ImageFolderRole = { what: 'training data', flag: '--data' };

/** Every JPEG/PNG under `dir`, recursively, sorted so the list (and thus a seeded run) is stable. */
export async function listImages(dir: string, role: ImageFolderRole = TRAINING_DATA): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    throw new ConfigError(`${role.what} folder ${dir} does not exist (pass ${role.flag} DIR)`, { cause: err });
  }
  if (!info.isDirectory()) throw new ConfigError(`${role.what} path ${dir} is not a folder (pass ${role.flag} DIR)`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    // parentPath is Node >= 20.12; `path` is the older name of the same field.
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  return files.sort();
}

/**
 * Decodes every image of a folder once (a few at a time, sharp decodes off the main thread)
 * and keeps the pixels in memory: BSDS500's 500 images take ~230 MB as 8-bit.
 * Images smaller than `minSide` in either dimension are skipped (reported via `skipped`).
 */
export async function loadImageFolder(
  dir: string,
  opts: { minSide?: number; limit?: number; concurrency?: number } = {},
): Promise<{ images: CachedImage[]; skipped: string[] }> {
  let files = await listImages(dir);
  if (opts.limit !== undefined) files = files.slice(0, opts.limit);
  if (files.length === 0) throw new ConfigError(`no JPEG or PNG images found under ${dir}`);
  const minSide = opts.minSide ?? 1;
  const concurrency = opts.concurrency ?? 4;
  const decoded: Array<CachedImage | undefined> = new Array(files.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < files.length) {
      const i = next++;
      const file = files[i]!;
      const img = await readImage(file, { warn: () => {} });
      decoded[i] = { name: relative(dir, file), width: img.width, height: img.height, pixels: to8bit(img) };
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  const images: CachedImage[] = [];
  const skipped: string[] = [];
  for (const img of decoded) {
    if (img!.width >= minSide && img!.height >= minSide) images.push(img!);
    else skipped.push(img!.name);
  }
  if (images.length === 0) {
    throw new ConfigError(`no image under ${dir} is at least ${minSide}x${minSide} pixels (lower --crop)`);
  }
  return { images, skipped };
}
