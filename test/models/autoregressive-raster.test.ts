import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildContextWeights,
  rasterDecode,
  rasterEncode,
  roundHalfEven,
  type DenseLayer,
} from '../../src/models/architectures/raster-context-coder.js';
import { RansDecoder, ransEncodeWithIndexes, type CdfTables } from '../../src/entropy/rans.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomArray(n: number, scale: number, r: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

/** Type-A 5x5 mask in HWIO. */
function maskA(M: number, k = 5): Float32Array {
  const out = 2 * M;
  const m = new Float32Array(k * k * M * out);
  for (let kh = 0; kh < k; kh++)
    for (let kw = 0; kw < k; kw++) {
      const on = kh < 2 || (kh === 2 && kw < 2);
      if (on) m.fill(1, (kh * k + kw) * M * out, (kh * k + kw + 1) * M * out);
    }
  return m;
}

function dense(inCh: number, outCh: number, r: () => number): DenseLayer {
  return { inCh, outCh, weight: randomArray(inCh * outCh, 1 / Math.sqrt(inCh), r), bias: randomArray(outCh, 0.1, r) };
}

/** Hand-made tables: index i is a discretized Laplace of width 1 + i over [-8, 8], plus the escape. */
function tables(n: number): CdfTables {
  const cdfs: Int32Array[] = [];
  const lengths = new Int32Array(n);
  const offsets = new Int32Array(n).fill(-8);
  for (let i = 0; i < n; i++) {
    const pmf = Array.from({ length: 18 }, (_, v) => (v === 17 ? 1e-3 : Math.exp(-Math.abs(v - 8) / (1 + i))));
    const total = pmf.reduce((a, b) => a + b, 0);
    const freqs = pmf.map((p) => Math.max(1, Math.floor((p / total) * (65536 - 18))));
    freqs[8]! += 65536 - freqs.reduce((a, b) => a + b, 0);
    const cdf = new Int32Array(19);
    for (let v = 0; v < 18; v++) cdf[v + 1] = cdf[v]! + freqs[v]!;
    cdfs.push(cdf);
    lengths[i] = 19;
  }
  return { cdfs, cdfLengths: lengths, offsets };
}

/** build_indexes over a small table (len-1 minus the entries, but the last, >= the scale). */
function indexer(table: number[]) {
  const t = Float32Array.from(table);
  return (scales: Float32Array) =>
    Int32Array.from(scales, (s) => t.length - 1 - t.subarray(0, t.length - 1).filter((v) => Math.max(s, t[0]!) <= v).length);
}

function setup(M: number, seed: number) {
  const r = rng(seed);
  const cw = buildContextWeights(
    M,
    5,
    randomArray(25 * M * 2 * M, 0.3, r),
    maskA(M),
    randomArray(2 * M, 0.1, r),
    [dense(4 * M, (10 * M) / 3, r), dense((10 * M) / 3, (8 * M) / 3, r), dense((8 * M) / 3, 2 * M, r)],
  );
  return { r, cw, ix: indexer([0.11, 0.3, 0.8, 2, 5]) };
}

test('roundHalfEven matches torch.round', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, -0.51, 3.5000002].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 0, -1, 4]);
});

test('a mask that sees the current position is refused', () => {
  const M = 3;
  const m = maskA(M);
  m[(2 * 5 + 2) * M * 2 * M] = 1;
  assert.throws(() => buildContextWeights(M, 5, new Float32Array(m.length), m, new Float32Array(2 * M), []), /causal/);
});

test('raster encode -> rANS -> raster decode is exact and deterministic', () => {
  const M = 6;
  const H = 5;
  const W = 7;
  const { r, cw, ix } = setup(M, 7);
  assert.equal(cw.taps.length, 12);
  const y = randomArray(H * W * M, 6, r);
  const params = randomArray(H * W * 2 * M, 1, r);
  const t = tables(5);
  const enc = rasterEncode(y, params, H, W, cw, ix);
  // Reconstruction error of every coded value is at most 0.5 (plus float rounding).
  for (let i = 0; i < y.length; i++) assert.ok(Math.abs(enc.yHat[i]! - y[i]!) <= 0.5 + 1e-5);
  const bytes = ransEncodeWithIndexes(enc.symbols, enc.indexes, t);
  const again = rasterEncode(y, params, H, W, cw, ix);
  assert.deepEqual(ransEncodeWithIndexes(again.symbols, again.indexes, t), bytes);
  const dec = new RansDecoder(bytes);
  const yHat = rasterDecode((idx) => dec.decodeStream(idx, t), params, H, W, cw, ix);
  assert.ok(dec.isComplete());
  assert.deepEqual(yHat, enc.yHat);
  // The means actually depend on the context: a different y changes later predictions.
  const y2 = y.slice();
  y2[0] = y2[0]! + 3;
  const enc2 = rasterEncode(y2, params, H, W, cw, ix);
  assert.notDeepEqual(enc2.gaussianParams.subarray(2 * M), enc.gaussianParams.subarray(2 * M));
});
