/**
 * rANS throughput on GaussianConditional tables (rebuilt from CompressAI's default scale table):
 * symbols ~ round(N(0, scale)) with random table indexes, 1% bypass-coded outliers.
 * Usage: node --import tsx bench/codec-rans.ts [symbols=1000000] [repeats=5]
 */
import { buildGaussianConditionalTables } from '../src/entropy/cdf.js';
import { BufferedRansEncoder, RansDecoder, ransDecodeWithIndexes, ransEncodeWithIndexes } from '../src/entropy/rans.js';

const n = Number(process.argv[2] ?? 1_000_000);
const repeats = Number(process.argv[3] ?? 5);

const scaleTable = Float32Array.from({ length: 64 }, (_, i) => Math.exp(Math.log(0.11) + ((Math.log(256) - Math.log(0.11)) * i) / 63));
const tables = buildGaussianConditionalTables(scaleTable);

let seed = 42;
const uniform = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
const symbols = new Int32Array(n);
const indexes = new Int32Array(n);
for (let i = 0; i < n; i++) {
  const idx = Math.floor(uniform() * 24); // scales up to ~2, as in real latents
  const gauss = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  indexes[i] = idx;
  symbols[i] = uniform() < 0.01 ? Math.round((uniform() - 0.5) * 2000) : Math.round(gauss * scaleTable[idx]!);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function time(fn: () => void): number {
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(ts);
}

let bytes = new Uint8Array(0);
const enc = time(() => {
  bytes = ransEncodeWithIndexes(symbols, indexes, tables);
});
const dec = time(() => {
  ransDecodeWithIndexes(bytes, indexes, tables);
});
const buffered = time(() => {
  const e = new BufferedRansEncoder();
  for (let i = 0; i < n; i += 192) e.encodeWithIndexes(symbols.subarray(i, i + 192), indexes.subarray(i, i + 192), tables);
  e.flush();
});
const streaming = time(() => {
  const d = new RansDecoder(bytes);
  for (let i = 0; i < n; i += 192) d.decodeStream(indexes.subarray(i, i + 192), tables);
});
const check = ransDecodeWithIndexes(bytes, indexes, tables);
if (!check.every((v, i) => v === symbols[i])) throw new Error('round trip failed');

const mb = (n * 4) / 1e6;
const row = (s: number) => ({ seconds: +s.toFixed(4), msymbolsPerS: +(n / s / 1e6).toFixed(2), int32MBPerS: +(mb / s).toFixed(1) });
console.log(
  JSON.stringify(
    {
      bench: 'codec-rans',
      symbols: n,
      repeats,
      bitsPerSymbol: +((bytes.length * 8) / n).toFixed(3),
      encode: row(enc),
      decode: row(dec),
      bufferedEncode192: row(buffered),
      streamingDecode192: row(streaming),
      node: process.version,
    },
    null,
    2,
  ),
);
