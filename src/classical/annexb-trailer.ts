/**
 * Two small NAL units advlic appends to the Annex B bitstreams of the video intra codecs
 * (HEVC, VVC), both counted in the bytes:
 * - an END-OF-BITSTREAM NAL (standard, 5 bytes), required at decode: the tools decode a
 *   truncated slice silently into a plausible but wrong picture, so a missing end marker is how
 *   truncation is caught;
 * - only when 4:2:0 forced padding an odd width/height to even (the standard's conformance
 *   window cannot crop single 4:2:0 pixels): an "unspecified"-type NAL whose payload is the
 *   ASCII text "crop WxH" (no zero bytes, so no emulation prevention is needed), ~15 bytes.
 * Both are stripped before the bitstream is handed to the decoder.
 */
import { BitstreamError } from '../errors.js';

export interface NalDialect {
  codec: string;
  /** Two-byte NAL header of end-of-bitstream. */
  eob: readonly [number, number];
  /** Two-byte NAL header of an unspecified type decoders ignore. */
  unspecified: readonly [number, number];
}

/** HEVC: nal_unit_type in bits 1..6 of byte 0; EOB_NUT = 37, UNSPEC62; layer 0, tid+1 = 1. */
export const HEVC_NAL: NalDialect = { codec: 'hevc', eob: [37 << 1, 1], unspecified: [62 << 1, 1] };
/** VVC: nal_unit_type in bits 3..7 of byte 1; EOB_NUT = 21, UNSPEC_31; layer 0, tid+1 = 1. */
export const VVC_NAL: NalDialect = { codec: 'vvc', eob: [0, (21 << 3) | 1], unspecified: [0, (31 << 3) | 1] };

const START = [0, 0, 1];

export function appendTrailer(stream: Uint8Array, d: NalDialect, crop?: { width: number; height: number }): Uint8Array {
  const parts: number[] = [];
  if (crop) parts.push(...START, ...d.unspecified, ...Buffer.from(`crop ${crop.width}x${crop.height}`, 'ascii'));
  parts.push(...START, ...d.eob);
  const out = new Uint8Array(stream.length + parts.length);
  out.set(stream, 0);
  out.set(parts, stream.length);
  return out;
}

/** Splits off the trailer; BitstreamError when the end marker is missing (truncated or foreign data). */
export function stripTrailer(bytes: Uint8Array, d: NalDialect): { stream: Uint8Array; crop?: { width: number; height: number } } {
  const n = bytes.length;
  const eobAt = n - 5;
  const hasEob =
    n >= 5 && bytes[eobAt] === 0 && bytes[eobAt + 1] === 0 && bytes[eobAt + 2] === 1 && bytes[eobAt + 3] === d.eob[0] && bytes[eobAt + 4] === d.eob[1];
  if (!hasEob) throw new BitstreamError(`${d.codec}: truncated or foreign bitstream (no end-of-bitstream NAL at the end)`);
  let end = eobAt;
  // Look back for "00 00 01 <unspecified header> crop WxH" right before the end marker.
  const tail = Buffer.from(bytes.subarray(Math.max(0, end - 32), end));
  const marker = Buffer.from([...START, ...d.unspecified]);
  const at = tail.lastIndexOf(marker);
  if (at >= 0) {
    const m = /^crop (\d+)x(\d+)$/.exec(tail.subarray(at + marker.length).toString('latin1'));
    if (m) {
      end -= tail.length - at;
      return { stream: bytes.subarray(0, end), crop: { width: Number(m[1]), height: Number(m[2]) } };
    }
  }
  return { stream: bytes.subarray(0, end) };
}
