/** sharp plumbing for the JPEG/WebP/AVIF codecs: 8-bit raw in, strict decode out. */
import sharp from 'sharp';
import { BitstreamError, CodecError } from '../errors.js';
import { from8bit, to8bit } from '../image/convert.js';
import type { RgbImage } from '../image/types.js';

export function sharpFromImage(img: RgbImage): sharp.Sharp {
  return sharp(Buffer.from(to8bit(img).buffer), { raw: { width: img.width, height: img.height, channels: 3 } });
}

/**
 * Decodes bytes that must be of `format` (sharp's name: 'jpeg' | 'webp' | 'heif'); foreign,
 * truncated or corrupt data (any libvips warning) is a BitstreamError naming the codec.
 */
export async function decodeWithSharp(bytes: Uint8Array, codec: string, format: string, compression?: string): Promise<RgbImage> {
  if (bytes.length === 0) throw new BitstreamError(`${codec}: cannot decode an empty bitstream`);
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch (err) {
    throw new BitstreamError(`${codec}: not a valid ${codec} bitstream (${firstLine(err)})`, { cause: err });
  }
  if (meta.format !== format || (compression && meta.compression !== compression)) {
    throw new BitstreamError(`${codec}: not a valid ${codec} bitstream (found ${meta.format}${meta.compression ? `/${meta.compression}` : ''})`);
  }
  try {
    const { data, info } = await sharp(input, { failOn: 'warning', autoOrient: false })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return from8bit(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height);
  } catch (err) {
    throw new BitstreamError(`${codec}: truncated or corrupt bitstream (${firstLine(err)})`, { cause: err });
  }
}

/** Runs a sharp encode; a libvips failure (or an empty result) is a one-line CodecError naming the codec. */
export async function encodeWithSharp(codec: string, pipeline: sharp.Sharp): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await pipeline.toBuffer();
  } catch (err) {
    throw new CodecError(`${codec}: encoding failed (${firstLine(err)})`, { cause: err });
  }
  if (buf.length === 0) throw new CodecError(`${codec}: encoder produced no bytes`);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
