import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BufferedRansEncoder,
  RansDecoder,
  ransDecodeWithIndexes,
  ransEncodeWithIndexes,
  type CdfTables,
} from '../../src/entropy/rans.js';
import { BitstreamError } from '../../src/errors.js';
import { readBytes, readI32, reference, tablesFrom } from './reference.js';

const ref = reference();
const prefixOf = (table: string): string => (table === 'entropy_bottleneck' ? 'entropy_bottleneck' : 'gaussian_conditional');

for (const [name, c] of Object.entries(ref.coder_tests)) {
  test(`rans: coder/${name} reproduces CompressAI's bytes and decodes back`, () => {
    const t = tablesFrom(c.tables_from.weights, c.tables_from.prefix);
    const symbols = readI32(c.symbols_file);
    const indexes = readI32(c.indexes_file);
    assert.equal(symbols.length, c.count);
    const expected = readBytes(c.string_file);
    assert.deepEqual(ransEncodeWithIndexes(symbols, indexes, t), expected);
    assert.deepEqual(ransDecodeWithIndexes(expected, indexes, t), symbols);
    const buffered = new BufferedRansEncoder();
    const half = Math.floor(symbols.length / 3);
    buffered.encodeWithIndexes(symbols.subarray(0, half), indexes.subarray(0, half), t);
    buffered.encodeWithIndexes(symbols.subarray(half), indexes.subarray(half), t);
    assert.deepEqual(buffered.flush(), expected);
    const dec = new RansDecoder(expected);
    const a = dec.decodeStream(indexes.subarray(0, 7), t);
    const b = dec.decodeStream(indexes.subarray(7), t);
    assert.deepEqual([...a, ...b], [...symbols]);
    assert.ok(dec.isComplete());
  });
}

for (const [id, m] of Object.entries(ref.models)) {
  test(`rans: ${id} model coder calls are byte-exact`, () => {
    for (const call of m.compress.coder_calls) {
      const t = tablesFrom(m.weights, prefixOf(call.table));
      const symbols = readI32(call.symbols_file);
      const indexes = readI32(call.indexes_file);
      const expected = readBytes(m.compress.string_files[call.string[0]]![call.string[1]]!);
      assert.deepEqual(ransEncodeWithIndexes(symbols, indexes, t), expected);
      assert.deepEqual(ransDecodeWithIndexes(expected, indexes, t), symbols);
    }
  });
}

/** A small synthetic table: row 0 wide, row 1 narrow with offset, row 2 two-symbol. */
function syntheticTables(): CdfTables {
  const rows = [
    [0, 100, 5000, 30000, 60000, 65000, 65536],
    [0, 30000, 65535, 65536],
    [0, 65535, 65536],
  ];
  return {
    cdfs: rows.map((r) => Int32Array.from([...r, 0, 0])),
    cdfLengths: Int32Array.from(rows.map((r) => r.length)),
    offsets: Int32Array.from([-2, 5, 0]),
  };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test('rans: random round trips including bypass extremes (±3e5) and the empty list', () => {
  const t = syntheticTables();
  const rnd = lcg(7);
  for (const n of [0, 1, 2, 3, 50, 4000]) {
    const symbols = new Int32Array(n);
    const indexes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      indexes[i] = Math.floor(rnd() * 3);
      const r = rnd();
      symbols[i] = r < 0.1 ? Math.round((rnd() - 0.5) * 6e5) : r < 0.12 ? (rnd() < 0.5 ? -300000 : 300000) : Math.floor(rnd() * 8) - 2;
    }
    const bytes = ransEncodeWithIndexes(symbols, indexes, t);
    assert.equal(bytes.length % 4, 0);
    assert.deepEqual(ransDecodeWithIndexes(bytes, indexes, t), symbols);
    const enc = new BufferedRansEncoder();
    enc.encodeWithIndexes(symbols, indexes, t);
    assert.deepEqual(enc.flush(), bytes);
  }
  assert.equal(ransEncodeWithIndexes(new Int32Array(0), new Int32Array(0), t).length, 8);
});

test('rans: skewed probabilities keep the state exact (long runs of the 1/65536 symbol)', () => {
  const t = syntheticTables();
  const n = 3000;
  const symbols = new Int32Array(n).fill(1); // row 2: value 1 has frequency 1
  const indexes = new Int32Array(n).fill(2);
  for (let i = 0; i < n; i += 3) symbols[i] = 0;
  const bytes = ransEncodeWithIndexes(symbols, indexes, t);
  assert.deepEqual(ransDecodeWithIndexes(bytes, indexes, t), symbols);
});

test('rans: corrupt or truncated streams throw BitstreamError, never hang', () => {
  const c = ref.coder_tests['gc_bypass']!;
  const t = tablesFrom(c.tables_from.weights, c.tables_from.prefix);
  const indexes = readI32(c.indexes_file);
  const good = readBytes(c.string_file);
  assert.throws(() => ransDecodeWithIndexes(good.subarray(0, good.length - 4), indexes, t), BitstreamError);
  assert.throws(() => ransDecodeWithIndexes(good.subarray(0, 6), indexes, t), BitstreamError);
  assert.throws(() => ransDecodeWithIndexes(new Uint8Array(0), indexes, t), BitstreamError);
  const rnd = lcg(3);
  let detected = 0;
  for (let k = 0; k < 200; k++) {
    const bad = good.slice();
    bad[Math.floor(rnd() * bad.length)] ^= 1 + Math.floor(rnd() * 255);
    try {
      ransDecodeWithIndexes(bad, indexes, t);
    } catch (e) {
      assert.ok(e instanceof BitstreamError, String(e));
      detected++;
    }
  }
  assert.ok(detected > 150, `only ${detected}/200 corruptions detected`);
  const junk = new Uint8Array(4096).fill(255);
  assert.throws(() => ransDecodeWithIndexes(junk, indexes, t), BitstreamError);
});
