import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { WeightsFormatError } from '../../src/errors.js';
import { halfToFloat } from '../../src/models/weights/half.js';
import { modernKey, normalizeStateDict } from '../../src/models/weights/normalize.js';
import { readPth } from '../../src/models/weights/pth.js';
import { sha256Bytes } from '../../src/models/weights/load.js';
import { REF_DIR, readBytes, reference } from '../entropy/reference.js';
import { PickleBuilder } from './pickle-builder.js';

const ref = reference();
const load = (file: string) => normalizeStateDict(readPth(readBytes(file)));

for (const [id, m] of Object.entries(ref.models)) {
  test(`pth: ${id} has exactly the reference keys, shapes and dtypes, in file order`, () => {
    const bytes = readBytes(m.weights);
    assert.equal(sha256Bytes(bytes), m.weights_sha256);
    const sd = load(m.weights);
    assert.deepEqual(
      [...sd].map(([k, t]) => [k, t.shape, t.dtype]),
      m.state_dict.map(([k, s, d]) => [k, s, d]),
    );
    for (const t of sd.values()) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
    // Values with known meaning: bounds, the scale table and the CDF rows.
    assert.equal(sd.get('entropy_bottleneck.likelihood_lower_bound.bound')!.data[0], Math.fround(1e-9));
    const eb = sd.get('entropy_bottleneck._quantized_cdf')!;
    const len = sd.get('entropy_bottleneck._cdf_length')!.data;
    for (let c = 0; c < eb.shape[0]!; c++) {
      assert.equal(eb.data[c * eb.shape[1]!], 0);
      assert.equal(eb.data[c * eb.shape[1]! + len[c]! - 1], 65536);
    }
    const st = sd.get('gaussian_conditional.scale_table');
    if (st) {
      assert.equal(st.data[0], Math.fround(0.11));
      assert.equal(st.data[0], sd.get('gaussian_conditional.scale_bound')!.data[0]);
      assert.ok(Math.abs(st.data[63]! - 256) < 1e-3);
    }
  });
}

test('pth: legacy-keys and legacy-format variants give tensors identical to the base file', () => {
  const m = ref.models['bmshj2018-factorized-q1-tiny']!;
  const base = load(m.weights);
  for (const v of Object.values(m.variants!)) {
    const sd = load(v.file);
    assert.deepEqual([...sd.keys()].sort(), [...base.keys()].sort(), v.file);
    for (const [k, t] of base) assert.deepEqual(sd.get(k), t, `${v.file}: ${k}`);
  }
  // the legacy-keys file really had old names before normalization
  assert.ok(readPth(readBytes(m.variants!['legacy_keys']!.file)).has('entropy_bottleneck._matrices.0'));
});

test('pth: truncated, random and empty files are refused with WeightsFormatError', () => {
  const bytes = readBytes(ref.models['bmshj2018-hyperprior-q1-tiny']!.weights);
  for (const n of [0, 3, 100, 5000, bytes.length >> 1, bytes.length - 30]) {
    assert.throws(() => readPth(bytes.subarray(0, n)), WeightsFormatError, `truncated at ${n}`);
  }
  const legacy = readBytes(ref.models['bmshj2018-factorized-q1-tiny']!.variants!['legacy_format']!.file);
  for (const n of [10, 2000, legacy.length - 8]) assert.throws(() => readPth(legacy.subarray(0, n)), WeightsFormatError);
  let s = 99;
  const junk = Uint8Array.from({ length: 4096 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
  assert.throws(() => readPth(junk), WeightsFormatError);
  junk[0] = 0x80;
  assert.throws(() => readPth(junk), WeightsFormatError);
  const error = (() => { try { readPth(bytes.subarray(0, 5000)); } catch (e) { return e as Error; } return undefined; })();
  assert.ok(error && !error.message.includes('\n'), 'one-line message');
});

test('pth: hand-built zip with deflate, nesting, module. prefix, strides, offset and storage types', () => {
  // storage "0": float32 [0..11]; "1": int64; "2": float16; "3": float64
  const f32 = new Float32Array(12).map((_, i) => i);
  const i64 = new BigInt64Array([5n, -7n, 1n << 40n]);
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555]); // 1, -2, ~0.333
  const f64 = new Float64Array([0.1, 2.5]);
  const p = new PickleBuilder().op(0x7d).str('epoch').int(3).op(0x73).str('state_dict').op(0x7d).mark();
  // transposed 3x4 view of a 4x3 storage, from offset 0; and a 2x2 slice with offset 1
  p.str('module.g_a.0.weight').tensor('FloatStorage', '0', 12, 0, [3, 4], [1, 3]);
  p.str('module.g_a.0.bias').tensor('FloatStorage', '0', 12, 1, [2, 2], [4, 1]);
  p.str('module.entropy_bottleneck._biases.2').tensor('LongStorage', '1', 3, 0, [3], [1]);
  p.str('module.entropy_bottleneck._matrix1').tensor('HalfStorage', '2', 3, 0, [3], [1]);
  p.str('module.g_a.1.downsample.weight').tensor('DoubleStorage', '3', 2, 0, [2], [1]);
  p.op(0x75, 0x73); // SETITEMS into inner dict, SETITEM into outer
  const zip = zipSync(
    {
      'whatever/data.pkl': p.bytes(),
      'whatever/data/0': new Uint8Array(f32.buffer),
      'whatever/data/1': new Uint8Array(i64.buffer),
      'whatever/data/2': new Uint8Array(f16.buffer),
      'whatever/data/3': new Uint8Array(f64.buffer),
      'whatever/version': new TextEncoder().encode('3\n'),
    },
    { level: 6 },
  );
  const sd = normalizeStateDict(readPth(zip));
  assert.deepEqual([...sd.keys()], [
    'g_a.0.weight', 'g_a.0.bias', 'entropy_bottleneck.biases.2', 'entropy_bottleneck.matrices.1', 'g_a.1.skip.weight',
  ]);
  assert.deepEqual([...sd.get('g_a.0.weight')!.data], [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
  assert.deepEqual([...sd.get('g_a.0.bias')!.data], [1, 2, 5, 6]);
  assert.deepEqual(sd.get('entropy_bottleneck.biases.2'), { shape: [3], dtype: 'int32', data: Int32Array.from([5, -7, 2 ** 40 | 0]) });
  assert.deepEqual([...sd.get('entropy_bottleneck.matrices.1')!.data], [1, -2, halfToFloat(0x3555)]);
  assert.deepEqual([...sd.get('g_a.1.skip.weight')!.data], [Math.fround(0.1), 2.5]);
});

test('pth: legacy key names map to CompressAI current names', () => {
  assert.equal(modernKey('entropy_bottleneck._factors.3'), 'entropy_bottleneck.factors.3');
  assert.equal(modernKey('entropy_bottleneck._bias0'), 'entropy_bottleneck.biases.0');
  assert.equal(modernKey('module.entropy_bottleneck._matrix4'), 'entropy_bottleneck.matrices.4');
  assert.equal(modernKey('g_a.2.downsample.conv.weight'), 'g_a.2.skip.conv.weight');
  assert.equal(modernKey('g_a.0.weight'), 'g_a.0.weight');
  assert.ok(REF_DIR.length > 0);
});

test('pickle: protocol-2 opcodes beyond the reference files (lists, floats, None, bools, longs, DICT, nestings)', async () => {
  const { readPickle } = await import('../../src/models/weights/pickle.js');
  const { unwrapCheckpoint } = await import('../../src/models/weights/normalize.js');
  const hooks = { persistentLoad: () => null, reduce: () => undefined };
  const f = new DataView(new ArrayBuffer(8));
  f.setFloat64(0, 0.25, false);
  const p = new PickleBuilder().mark().str('list').op(0x5d).mark().int(7).op(0x4e, 0x88, 0x89).op(0x47, ...new Uint8Array(f.buffer));
  p.op(0x8a, 2, 0x00, 0x80).op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1).op(0x65); // LONG1 -32768, 2^64
  p.str('t').int(1).int(2).op(0x86).int(70000).op(0x64); // DICT
  const v = readPickle(p.bytes(), 0, hooks).value as Map<string, unknown>;
  assert.deepEqual(v.get('list'), [7, null, true, false, 0.25, -32768, 2n ** 64n]);
  assert.deepEqual(v.get('t'), [1, 2]);
  assert.throws(() => readPickle(Uint8Array.of(0x80, 2, 0xff), 0, hooks), WeightsFormatError);
  assert.throws(() => readPickle(Uint8Array.of(0x80, 2, 0x4b), 0, hooks), /truncated/);
  const t = { shape: [1], dtype: 'float32' as const, data: Float32Array.of(1) };
  const nested = new Map<string | number, never>([['epoch', 3 as never], ['network', new Map([['w', t]]) as never]]);
  assert.equal(unwrapCheckpoint(nested).get('w'), t);
  assert.throws(() => unwrapCheckpoint(new Map([['epoch', 1]])), /no state dict found \(top-level keys: epoch\)/);
});
