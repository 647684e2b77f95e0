/**
 * Reading the single-frame YUV4MPEG2 files ffmpeg and vvdecapp write: header, one FRAME,
 * planar 4:2:0 or 4:4:4 samples at 8 or 10..16 bits (little-endian), rescaled to 8-bit units.
 */
import type { ChromaFormat, YuvFrame } from './yuv.js';

export function parseY4m(bytes: Uint8Array): YuvFrame {
  const headerEnd = bytes.indexOf(0x0a);
  if (headerEnd < 0) throw new RangeError('Y4M: no header line');
  const header = Buffer.from(bytes.subarray(0, headerEnd)).toString('ascii').split(' ');
  if (header[0] !== 'YUV4MPEG2') throw new RangeError('Y4M: bad magic');
  let width = 0;
  let height = 0;
  let colour = '420jpeg';
  for (const tag of header.slice(1)) {
    if (tag[0] === 'W') width = Number(tag.slice(1));
    else if (tag[0] === 'H') height = Number(tag.slice(1));
    else if (tag[0] === 'C') colour = tag.slice(1);
  }
  if (!(width > 0 && height > 0)) throw new RangeError(`Y4M: bad size ${width}x${height}`);
  const m = /^(420|444)(?:jpeg|paldv|mpeg2)?(?:p(\d+))?$/.exec(colour);
  if (!m) throw new RangeError(`Y4M: unsupported colour space C${colour}`);
  const format = m[1] as ChromaFormat;
  const depth = m[2] ? Number(m[2]) : 8;
  let pos = headerEnd + 1;
  const frameTag = Buffer.from(bytes.subarray(pos, pos + 5)).toString('ascii');
  if (frameTag !== 'FRAME') throw new RangeError('Y4M: no FRAME');
  const frameLineEnd = bytes.indexOf(0x0a, pos);
  pos = frameLineEnd + 1;
  const cw = format === '420' ? Math.ceil(width / 2) : width;
  const ch = format === '420' ? Math.ceil(height / 2) : height;
  const bytesPer = depth > 8 ? 2 : 1;
  const need = (width * height + 2 * cw * ch) * bytesPer;
  if (bytes.length - pos < need) throw new RangeError(`Y4M: frame truncated (${bytes.length - pos} of ${need} bytes)`);
  if (bytes.length - pos > need) throw new RangeError('Y4M: more than one frame decoded');
  const scale = 1 / (1 << (depth - 8));
  const plane = (n: number): Float32Array => {
    const p = new Float32Array(n);
    if (bytesPer === 1) for (let i = 0; i < n; i++) p[i] = bytes[pos + i]!;
    else for (let i = 0; i < n; i++) p[i] = (bytes[pos + 2 * i]! | (bytes[pos + 2 * i + 1]! << 8)) * scale;
    pos += n * bytesPer;
    return p;
  };
  const y = plane(width * height);
  const cb = plane(cw * ch);
  const cr = plane(cw * ch);
  return { width, height, format, y, cb, cr };
}
