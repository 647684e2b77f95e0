/**
 * rANS entropy coder, byte-compatible with CompressAI's coder (ryg_rans `Rans64`: 64-bit state,
 * 32-bit output words, 16-bit probabilities; out-of-range values escape to a bypass mode that
 * writes 4-bit chunks). The 64-bit state is kept as two uint32 halves held in doubles, and every
 * intermediate stays below 2^53, so the arithmetic is exact without BigInt.
 */
import { BitstreamError, CodecError } from '../errors.js';

/** CompressAI's table layout: one quantized CDF row per index, its valid length, and its offset. */
export interface CdfTables {
  cdfs: Int32Array[];
  cdfLengths: Int32Array;
  offsets: Int32Array;
}

const PRECISION = 16;
const PROB_MASK = (1 << PRECISION) - 1;
const BYPASS_BITS = 4;
const BYPASS_MAX = (1 << BYPASS_BITS) - 1;
const TWO32 = 4294967296;
const RANS_L = 2147483648; // 2^31, lower bound of the normalized state
/** Largest raw bypass value the decoder can rebuild in an int32 (8 chunks of 4 bits). */
const MAX_BYPASS_CHUNKS = 8;

/** Encoder state writing 32-bit words backwards, growing its buffer when needed. */
class Rans64Writer {
  private hi = 0;
  private lo = RANS_L;
  private words: Uint32Array;
  private pos: number;

  constructor(capacityWords: number) {
    this.words = new Uint32Array(Math.max(16, capacityWords));
    this.pos = this.words.length;
  }

  private emit(word: number): void {
    if (this.pos === 0) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words, this.words.length);
      this.pos = this.words.length;
      this.words = grown;
    }
    this.words[--this.pos] = word;
  }

  /** Rans64EncPut: x = (x / freq) << 16 + x % freq + start, after renormalizing to x < 2^47 * freq. */
  put(start: number, freq: number): void {
    let hi = this.hi;
    let lo = this.lo;
    if (hi >= freq * 32768) {
      this.emit(lo);
      lo = hi;
      hi = 0;
    }
    // 64-by-16-bit long division in two exact steps.
    let qHi = Math.floor(hi / freq);
    const r1 = hi - qHi * freq;
    const a = r1 * TWO32 + lo; // < freq * 2^32 <= 2^48
    let qLo = Math.floor(a / freq);
    let r = a - qLo * freq;
    if (r < 0) {
      qLo -= 1;
      r += freq;
    } else if (r >= freq) {
      qLo += 1;
      r -= freq;
    }
    if (qLo >= TWO32) {
      qHi += 1;
      qLo -= TWO32;
    }
    // x' = qHi * 2^48 + qLo * 2^16 + r + start, with the low part < 2^49.
    const low = qLo * 65536 + r + start;
    const carry = Math.floor(low / TWO32);
    this.lo = low - carry * TWO32;
    this.hi = qHi * 65536 + carry;
  }

  /** Rans64EncPutBits for 4-bit chunks: renormalize below 2^59, then x = (x << 4) | val. */
  putBits(val: number): void {
    if (this.hi >= 134217728) {
      this.emit(this.lo);
      this.lo = this.hi;
      this.hi = 0;
    }
    this.hi = this.hi * 16 + Math.floor(this.lo / 268435456);
    this.lo = ((this.lo * 16) % TWO32) + val;
  }

  /** Rans64EncFlush and the little-endian bytes from the final word to the end. */
  finish(): Uint8Array {
    this.emit(this.hi);
    this.emit(this.lo);
    const n = this.words.length - this.pos;
    const out = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      const w = this.words[this.pos + i]!;
      out[4 * i] = w & 255;
      out[4 * i + 1] = (w >>> 8) & 255;
      out[4 * i + 2] = (w >>> 16) & 255;
      out[4 * i + 3] = w >>> 24;
    }
    return out;
  }
}

/** Bypass raw value of an out-of-range v (v < 0 or v >= maxValue), as CompressAI maps it. */
function bypassRaw(v: number, maxValue: number): number {
  const raw = v < 0 ? -2 * v - 1 : 2 * (v - maxValue);
  if (raw >= 2147483648) {
    throw new CodecError(`rANS: symbol ${v} is too far outside its CDF range to bypass-code (|value| must stay below 2^30)`);
  }
  return raw;
}

function chunkCount(raw: number): number {
  let n = 0;
  while (raw >= 2 ** (n * BYPASS_BITS)) n++;
  return n;
}

function checkIndex(idx: number, t: CdfTables): void {
  if (!(idx >= 0 && idx < t.cdfs.length)) {
    throw new CodecError(`rANS: CDF index ${idx} outside the table (0..${t.cdfs.length - 1})`);
  }
}

/**
 * Encodes symbols with per-symbol CDF indexes, exactly as CompressAI's
 * RansEncoder.encode_with_indexes (an empty list gives the 8-byte flushed initial state).
 */
export function ransEncodeWithIndexes(symbols: Int32Array, indexes: Int32Array, t: CdfTables): Uint8Array {
  if (symbols.length !== indexes.length) {
    throw new CodecError(`rANS: ${symbols.length} symbols but ${indexes.length} indexes`);
  }
  const w = new Rans64Writer(symbols.length + 2);
  // The decoder reads, per symbol: the CDF symbol, then (bypass) the chunk count, then the chunks
  // from least significant up; the encoder writes that sequence backwards.
  for (let i = symbols.length - 1; i >= 0; i--) {
    const idx = indexes[i]!;
    checkIndex(idx, t);
    const cdf = t.cdfs[idx]!;
    const maxValue = t.cdfLengths[idx]! - 2;
    let v = symbols[i]! - t.offsets[idx]!;
    if (v < 0 || v >= maxValue) {
      const raw = bypassRaw(v, maxValue);
      const n = chunkCount(raw);
      for (let j = n - 1; j >= 0; j--) w.putBits(Math.floor(raw / 2 ** (j * BYPASS_BITS)) & BYPASS_MAX);
      const full = Math.floor(n / BYPASS_MAX);
      w.putBits(n - full * BYPASS_MAX);
      for (let k = 0; k < full; k++) w.putBits(BYPASS_MAX);
      v = maxValue;
    }
    const start = cdf[v]!;
    w.put(start, cdf[v + 1]! - start);
  }
  return w.finish();
}

/**
 * Collects symbols across several calls (autoregressive models code y position by position),
 * then encodes them all at flush(), as CompressAI's BufferedRansEncoder.
 */
export class BufferedRansEncoder {
  /** Pairs (start, freq); freq = -1 marks a 4-bit bypass chunk whose value is in start. */
  private ops = new Int32Array(1024);
  private count = 0;

  private push(start: number, freq: number): void {
    if (this.count * 2 + 2 > this.ops.length) {
      const grown = new Int32Array(this.ops.length * 2);
      grown.set(this.ops);
      this.ops = grown;
    }
    this.ops[this.count * 2] = start;
    this.ops[this.count * 2 + 1] = freq;
    this.count++;
  }

  encodeWithIndexes(symbols: ArrayLike<number>, indexes: ArrayLike<number>, t: CdfTables): void {
    if (symbols.length !== indexes.length) {
      throw new CodecError(`rANS: ${symbols.length} symbols but ${indexes.length} indexes`);
    }
    for (let i = 0; i < symbols.length; i++) {
      const idx = indexes[i]!;
      checkIndex(idx, t);
      const cdf = t.cdfs[idx]!;
      const maxValue = t.cdfLengths[idx]! - 2;
      const v = symbols[i]! - t.offsets[idx]!;
      if (v >= 0 && v < maxValue) {
        this.push(cdf[v]!, cdf[v + 1]! - cdf[v]!);
        continue;
      }
      const raw = bypassRaw(v, maxValue);
      this.push(cdf[maxValue]!, cdf[maxValue + 1]! - cdf[maxValue]!);
      const n = chunkCount(raw);
      let rest = n;
      while (rest >= BYPASS_MAX) {
        this.push(BYPASS_MAX, -1);
        rest -= BYPASS_MAX;
      }
      this.push(rest, -1);
      for (let j = 0; j < n; j++) this.push(Math.floor(raw / 2 ** (j * BYPASS_BITS)) & BYPASS_MAX, -1);
    }
  }

  /** Encodes everything collected so far and resets the encoder. */
  flush(): Uint8Array {
    const w = new Rans64Writer(this.count + 2);
    const ops = this.ops;
    for (let k = this.count - 1; k >= 0; k--) {
      const freq = ops[2 * k + 1]!;
      if (freq < 0) w.putBits(ops[2 * k]!);
      else w.put(ops[2 * k]!, freq);
    }
    this.count = 0;
    return w.finish();
  }
}

/** Streaming decoder (CompressAI's RansDecoder.set_stream + decode_stream). */
export class RansDecoder {
  private hi: number;
  private lo: number;
  private pos: number;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    if (bytes.length < 8 || bytes.length % 4 !== 0) {
      throw new BitstreamError(`rANS stream of ${bytes.length} bytes is invalid: it must be a multiple of 4 and at least 8`);
    }
    this.bytes = bytes;
    this.pos = 0;
    this.lo = this.word();
    this.hi = this.word();
  }

  private word(): number {
    const b = this.bytes;
    const p = this.pos;
    if (p + 4 > b.length) throw new BitstreamError('rANS stream ended early: truncated or corrupt bitstream');
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  private renormalize(): void {
    if (this.hi === 0 && this.lo < RANS_L) {
      this.hi = this.lo;
      this.lo = this.word();
    }
  }

  private getBits(): number {
    const lo = this.lo;
    const val = lo & BYPASS_MAX;
    this.lo = (lo >>> BYPASS_BITS) + (this.hi % 16) * 268435456;
    this.hi = Math.floor(this.hi / 16);
    this.renormalize();
    return val;
  }

  /** Decodes one symbol per index, continuing where the previous call stopped. */
  decodeStream(indexes: ArrayLike<number>, t: CdfTables): Int32Array {
    const out = new Int32Array(indexes.length);
    for (let i = 0; i < indexes.length; i++) {
      const idx = indexes[i]!;
      checkIndex(idx, t);
      const cdf = t.cdfs[idx]!;
      const len = t.cdfLengths[idx]!;
      const maxValue = len - 2;
      const cum = this.lo & PROB_MASK;
      // First entry > cum (rows are strictly increasing), by binary search over the valid prefix.
      let a = 0;
      let b = len - 1;
      while (a < b) {
        const m = (a + b) >>> 1;
        if (cdf[m]! > cum) b = m;
        else a = m + 1;
      }
      const s = a - 1;
      if (s < 0 || s > maxValue) throw new BitstreamError(`rANS: CDF row ${idx} is malformed`);
      const start = cdf[s]!;
      const freq = cdf[s + 1]! - start;
      // x = freq * (x >> 16) + (x & 0xffff) - start, split so that every term stays below 2^53.
      const prod = freq * this.hi; // < 2^48
      const prodHi = Math.floor(prod / 65536);
      const low = (prod - prodHi * 65536) * 65536 + freq * (this.lo >>> 16) + cum - start;
      const carry = Math.floor(low / TWO32);
      this.hi = prodHi + carry;
      this.lo = low - carry * TWO32;
      this.renormalize();
      let value = s;
      if (value === maxValue) {
        let val = this.getBits();
        let n = val;
        while (val === BYPASS_MAX) {
          val = this.getBits();
          n += val;
        }
        if (n > MAX_BYPASS_CHUNKS) throw new BitstreamError(`rANS: bypass value with ${n} chunks: corrupt bitstream`);
        let raw = 0;
        for (let j = 0; j < n; j++) raw += this.getBits() * 2 ** (j * BYPASS_BITS);
        const half = Math.floor(raw / 2);
        value = raw % 2 === 1 ? -half - 1 : half + maxValue;
      }
      out[i] = value + t.offsets[idx]!;
    }
    return out;
  }

  /** True when the whole stream was consumed and the state returned to the encoder's initial one. */
  isComplete(): boolean {
    return this.pos === this.bytes.length && this.hi === 0 && this.lo === RANS_L;
  }
}

/**
 * Decodes a whole stream (CompressAI's decode_with_indexes). With `strict` (default), also checks
 * that the stream was consumed exactly, which catches most corruptions CompressAI would miss.
 */
export function ransDecodeWithIndexes(
  bytes: Uint8Array,
  indexes: Int32Array,
  t: CdfTables,
  options: { strict?: boolean } = {},
): Int32Array {
  const dec = new RansDecoder(bytes);
  const out = dec.decodeStream(indexes, t);
  if ((options.strict ?? true) && !dec.isComplete()) {
    throw new BitstreamError('rANS stream does not end where its symbols end: corrupt bitstream or wrong tables');
  }
  return out;
}
