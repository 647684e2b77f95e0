/**
 * Binary PPM (P6): the lossless intermediate handed to and read back from external tools.
 * 8-bit on the way out; 8- or 16-bit (maxval ≤ 65535) accepted on the way in.
 */
import { to8bit } from '../image/convert.js';
import type { RgbImage } from '../image/types.js';

export function encodePpm(img: RgbImage): Buffer {
  const header = Buffer.from(`P6\n${img.width} ${img.height}\n255\n`, 'ascii');
  return Buffer.concat([header, to8bit(img)]);
}

/** Parses a P6 file; throws RangeError on anything else (callers wrap it in their codec's error). */
export function decodePpm(bytes: Uint8Array): RgbImage {
  let pos = 0;
  const token = (): string => {
    // Skip whitespace and '#' comments between header fields.
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos]!)) pos++;
      if (bytes[pos] === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
      } else break;
    }
    const start = pos;
    while (pos < bytes.length && !isSpace(bytes[pos]!)) pos++;
    return Buffer.from(bytes.subarray(start, pos)).toString('ascii');
  };
  const magic = token();
  if (magic !== 'P6') throw new RangeError(`not a binary PPM (magic "${magic.slice(0, 4)}")`);
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`PPM has bad dimensions ${width}x${height}`);
  }
  if (!(Number.isInteger(maxval) && maxval > 0 && maxval < 65536)) throw new RangeError(`PPM has bad maxval ${maxval}`);
  pos++; // exactly one whitespace byte before the raster
  const n = width * height * 3;
  const wide = maxval > 255;
  const need = n * (wide ? 2 : 1);
  if (bytes.length - pos < need) throw new RangeError(`PPM raster truncated: ${bytes.length - pos} of ${need} bytes`);
  const data = new Float32Array(n);
  if (wide) {
    for (let i = 0; i < n; i++) data[i] = ((bytes[pos + 2 * i]! << 8) | bytes[pos + 2 * i + 1]!) / maxval;
  } else {
    for (let i = 0; i < n; i++) data[i] = bytes[pos + i]! / maxval;
  }
  return { width, height, data };
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
