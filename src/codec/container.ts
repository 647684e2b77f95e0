/**
 * The .alic bitstream container: everything a decoder needs besides the weights, plus a
 * fingerprint of those weights and a CRC32 over the whole file.
 *
 * Layout (little-endian): "ALIC" | version u8 | arch (u8 length + UTF-8) | quality u8 | N u16 |
 * M u16 | weights hash (16 bytes: sha256 prefix) | width u32 | height u32 | latent shapes (u8
 * count; each: u8 rank + u32 dims) | streams (u8 count; each u32 length) | extras (u32 length +
 * UTF-8 JSON, 0 = none) | stream bytes | crc32 u32 of all preceding bytes.
 */
import { BitstreamError } from '../errors.js';

export const CONTAINER_MAGIC = 'ALIC';
export const CONTAINER_VERSION = 1;
const HASH_BYTES = 16;

export interface ContainerContents {
  arch: string;
  quality: number;
  N: number;
  M: number;
  /** Hex sha256 of the weights file (64 chars) or its first 16 bytes (32 chars); stored as 16 bytes. */
  weightsHash: string;
  /** Original (unpadded) image size. */
  width: number;
  height: number;
  /** Padded latent shapes, e.g. [[M, h, w], [N, h/4, w/4]]. */
  latentShapes: number[][];
  /** One rANS stream per latent (y, then z, ...). */
  streams: Uint8Array[];
  /** Small JSON-able extras (e.g. a defence's chosen input transform). */
  extras?: Record<string, unknown>;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zip and PNG use). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function hashPrefix(hex: string): string {
  const h = hex.toLowerCase();
  if (!/^[0-9a-f]{32}([0-9a-f]{32})?$/.test(h)) {
    throw new BitstreamError(`weights hash "${hex}" must be 32 or 64 hex characters (sha256)`);
  }
  return h.slice(0, 2 * HASH_BYTES);
}

function checkUint(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`container: ${name} = ${v} is outside 0..${max}`);
}

export function encodeContainer(c: ContainerContents): Uint8Array {
  const enc = new TextEncoder();
  const arch = enc.encode(c.arch);
  const extras = c.extras === undefined ? new Uint8Array(0) : enc.encode(JSON.stringify(c.extras));
  checkUint('arch name length', arch.length, 255);
  checkUint('quality', c.quality, 255);
  checkUint('N', c.N, 65535);
  checkUint('M', c.M, 65535);
  checkUint('width', c.width, 0xffffffff);
  checkUint('height', c.height, 0xffffffff);
  checkUint('latent count', c.latentShapes.length, 255);
  checkUint('stream count', c.streams.length, 255);
  const hash = hashPrefix(c.weightsHash);
  const shapeBytes = c.latentShapes.reduce((a, s) => a + 1 + 4 * s.length, 0);
  const dataBytes = c.streams.reduce((a, s) => a + s.length, 0);
  const size = 4 + 1 + 1 + arch.length + 1 + 4 + HASH_BYTES + 8 + 1 + shapeBytes + 1 + 4 * c.streams.length + 4 + extras.length + dataBytes + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  out.set(enc.encode(CONTAINER_MAGIC), p);
  p += 4;
  out[p++] = CONTAINER_VERSION;
  out[p++] = arch.length;
  out.set(arch, p);
  p += arch.length;
  out[p++] = c.quality;
  view.setUint16(p, c.N, true);
  view.setUint16(p + 2, c.M, true);
  p += 4;
  for (let i = 0; i < HASH_BYTES; i++) out[p++] = parseInt(hash.slice(2 * i, 2 * i + 2), 16);
  view.setUint32(p, c.width, true);
  view.setUint32(p + 4, c.height, true);
  p += 8;
  out[p++] = c.latentShapes.length;
  for (const shape of c.latentShapes) {
    checkUint('latent rank', shape.length, 255);
    out[p++] = shape.length;
    for (const d of shape) {
      checkUint('latent dimension', d, 0xffffffff);
      view.setUint32(p, d, true);
      p += 4;
    }
  }
  out[p++] = c.streams.length;
  for (const s of c.streams) {
    view.setUint32(p, s.length, true);
    p += 4;
  }
  view.setUint32(p, extras.length, true);
  p += 4;
  out.set(extras, p);
  p += extras.length;
  for (const s of c.streams) {
    out.set(s, p);
    p += s.length;
  }
  view.setUint32(p, crc32(out.subarray(0, p)), true);
  return out;
}

export function decodeContainer(bytes: Uint8Array): ContainerContents {
  if (bytes.length < 9) throw new BitstreamError(`not an .alic bitstream: only ${bytes.length} bytes`);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== CONTAINER_MAGIC) throw new BitstreamError(`not an .alic bitstream (magic "${magic}", expected "ALIC")`);
  const version = bytes[4]!;
  if (version !== CONTAINER_VERSION) {
    throw new BitstreamError(`.alic version ${version} is not supported (this build reads version ${CONTAINER_VERSION})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = bytes.length - 4;
  const stored = view.getUint32(body, true);
  const actual = crc32(bytes.subarray(0, body));
  if (stored !== actual) {
    throw new BitstreamError(`.alic checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): corrupt or truncated file`);
  }
  let p = 5;
  const need = (n: number): number => {
    if (p + n > body) throw new BitstreamError('.alic header is truncated');
    const at = p;
    p += n;
    return at;
  };
  const dec = new TextDecoder('utf-8', { fatal: true });
  const text = (n: number): string => {
    try {
      return dec.decode(bytes.subarray(need(n), p));
    } catch {
      throw new BitstreamError('.alic header holds invalid UTF-8');
    }
  };
  const arch = text(bytes[need(1)]!);
  const quality = bytes[need(1)]!;
  const N = view.getUint16(need(2), true);
  const M = view.getUint16(need(2), true);
  const hashAt = need(HASH_BYTES);
  const weightsHash = Array.from(bytes.subarray(hashAt, hashAt + HASH_BYTES), (b) => b.toString(16).padStart(2, '0')).join('');
  const width = view.getUint32(need(4), true);
  const height = view.getUint32(need(4), true);
  const latentShapes: number[][] = [];
  const latentCount = bytes[need(1)]!;
  for (let i = 0; i < latentCount; i++) {
    const rank = bytes[need(1)]!;
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(view.getUint32(need(4), true));
    latentShapes.push(shape);
  }
  const lengths: number[] = [];
  const streamCount = bytes[need(1)]!;
  for (let i = 0; i < streamCount; i++) lengths.push(view.getUint32(need(4), true));
  const extrasLength = view.getUint32(need(4), true);
  let extras: Record<string, unknown> | undefined;
  if (extrasLength > 0) {
    try {
      extras = JSON.parse(text(extrasLength)) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof BitstreamError) throw e;
      throw new BitstreamError('.alic extras field is not valid JSON');
    }
  }
  const streams = lengths.map((n) => bytes.slice(need(n), p));
  if (p !== body) throw new BitstreamError(`.alic has ${body - p} unexpected bytes after its streams`);
  return { arch, quality, N, M, weightsHash, width, height, latentShapes, streams, ...(extras ? { extras } : {}) };
}

/** Refuses to decode a bitstream with weights other than the ones it was encoded with. */
export function assertWeightsMatch(contents: ContainerContents, weightsHash: string): void {
  const expected = hashPrefix(contents.weightsHash);
  const actual = hashPrefix(weightsHash);
  if (expected !== actual) {
    throw new BitstreamError(
      `bitstream was encoded with weights ${expected} but the loaded weights are ${actual}: load the matching weights`,
    );
  }
}
