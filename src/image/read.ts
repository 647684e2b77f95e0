import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ImageReadError, ImageSizeError } from '../errors.js';
import type { RgbImage } from './types.js';

/** Default decode limit: 64 megapixels (a 8000x8000 image), far above Kodak/CLIC sizes. */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

/** Raster formats we decode; vector (svg) and libvips' own format are refused. */
const SUPPORTED_FORMATS = new Set(['png', 'jpeg', 'webp', 'tiff', 'heif', 'gif']);

export interface ReadImageOptions {
  /** Refuse images with more than this many pixels (width * height); default 64 Mpx. */
  maxPixels?: number;
  /** Called with a one-line warning (alpha dropped); default: write it to stderr. */
  warn?: (message: string) => void;
}

export interface ImageInfo {
  /** sharp's format name: 'png' | 'jpeg' | 'webp' | 'tiff' | ... */
  format: string;
  /** Bits per sample as stored: 8 or 16. */
  bitDepth: 8 | 16;
  /** True when the file had an alpha channel, which was dropped (not composited). */
  hadAlpha: boolean;
  /** True when the stored image was single-channel grey (replicated to RGB). */
  wasGray: boolean;
  /** EXIF orientation tag (1..8) if present; NOT applied, see readImageWithInfo. */
  exifOrientation?: number;
}

/**
 * Reads an image file into [0,1] float RGB.
 *
 * Choices, so that pixels match what CompressAI's PIL-based loader sees:
 * - EXIF orientation is NOT applied: pixels come back as stored (info.exifOrientation tells
 *   the caller it exists). Rotating would silently change what is compressed and attacked.
 * - Embedded ICC profiles are ignored (no colour conversion), like PIL's convert('RGB').
 * - 16-bit samples are divided by 65535 (exact in float64, then rounded to float32);
 *   8-bit samples by 255. Grey is replicated to RGB. Alpha is dropped with a warning.
 */
export async function readImageWithInfo(
  path: string,
  opts: ReadImageOptions = {},
): Promise<{ image: RgbImage; info: ImageInfo }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ImageReadError(`cannot read image ${path}: ${why}`, { cause: err });
  }
  return decodeWithInfo(bytes, path, opts);
}

export async function readImage(path: string, opts: ReadImageOptions = {}): Promise<RgbImage> {
  return (await readImageWithInfo(path, opts)).image;
}

/** Decodes an in-memory encoded image (PNG, JPEG, WebP, TIFF, ...); same rules as readImage. */
export async function decodeImageWithInfo(
  bytes: Uint8Array,
  opts: ReadImageOptions & { name?: string } = {},
): Promise<{ image: RgbImage; info: ImageInfo }> {
  return decodeWithInfo(bytes, opts.name ?? '<in-memory image>', opts);
}

export async function decodeImage(bytes: Uint8Array, opts: ReadImageOptions & { name?: string } = {}): Promise<RgbImage> {
  return (await decodeImageWithInfo(bytes, opts)).image;
}

async function decodeWithInfo(
  bytes: Uint8Array,
  name: string,
  opts: ReadImageOptions,
): Promise<{ image: RgbImage; info: ImageInfo }> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.length === 0) throw new ImageReadError(`cannot read image ${name}: the file is empty (0 bytes)`);

  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageReadError(`cannot read image ${name}: not a recognised image (${firstLine(err)})`, { cause: err });
  }
  const { width, height, format } = meta;
  if (!width || !height || !format) throw new ImageReadError(`cannot read image ${name}: no image dimensions found`);
  if (!SUPPORTED_FORMATS.has(format)) {
    throw new ImageReadError(`cannot read image ${name}: unsupported format '${format}' (use PNG, JPEG, WebP, TIFF or AVIF)`);
  }
  if (width * height > maxPixels) {
    throw new ImageSizeError(
      `image ${name} is ${width}x${height} = ${width * height} pixels, above the limit of ${maxPixels} (raise --max-pixels)`,
    );
  }
  const bitDepth = meta.depth === 'ushort' ? 16 : meta.depth === 'uchar' ? 8 : undefined;
  if (bitDepth === undefined) {
    throw new ImageReadError(`cannot read image ${name}: unsupported sample type '${meta.depth}' (need 8 or 16 bit)`);
  }
  const hadAlpha = Boolean(meta.hasAlpha);
  const wasGray = meta.channels !== undefined && meta.channels <= 2;

  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    // failOn 'warning' turns truncated/corrupt data into an error instead of grey pixels.
    raw = await sharp(bytes, { failOn: 'warning', ignoreIcc: true, limitInputPixels: false, autoOrient: false })
      .removeAlpha()
      .toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb')
      .raw({ depth: bitDepth === 16 ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ImageReadError(`cannot decode image ${name}: truncated or corrupt (${firstLine(err)})`, { cause: err });
  }
  if (raw.info.channels !== 3 || raw.info.width !== width || raw.info.height !== height) {
    throw new ImageReadError(`cannot decode image ${name}: unexpected decoded layout ${raw.info.width}x${raw.info.height}x${raw.info.channels}`);
  }
  if (hadAlpha) (opts.warn ?? warnToStderr)(`advlic: warning: ${name} has an alpha channel; it was dropped (not composited)`);

  const n = width * height * 3;
  const data = new Float32Array(n);
  if (bitDepth === 16) {
    // Native-endian samples; copy first if the Buffer is not 2-byte aligned.
    const aligned = raw.data.byteOffset % 2 === 0 ? raw.data : Buffer.from(raw.data);
    const src = new Uint16Array(aligned.buffer, aligned.byteOffset, n);
    for (let i = 0; i < n; i++) data[i] = src[i]! / 65535;
  } else {
    const src = raw.data;
    for (let i = 0; i < n; i++) data[i] = src[i]! / 255;
  }
  const info: ImageInfo = { format, bitDepth, hadAlpha, wasGray };
  if (meta.orientation !== undefined) info.exifOrientation = meta.orientation;
  return { image: { width, height, data }, info };
}

function warnToStderr(message: string): void {
  process.stderr.write(message + '\n');
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
