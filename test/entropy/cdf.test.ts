import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGaussianConditionalTables, cdfTablesFromBuffers, buildQuantizedCdfTable, erfc, normalQuantile, pmfToQuantizedCdf } from '../../src/entropy/cdf.js';
import { ransDecodeWithIndexes, ransEncodeWithIndexes } from '../../src/entropy/rans.js';
import { checkpoint, reference, tablesFrom } from './reference.js';

test('cdf: GaussianConditional tables rebuilt from scale_table equal the stored buffers exactly', () => {
  const ref = reference();
  for (const m of Object.values(ref.models)) {
    const sd = checkpoint(m.weights);
    const scaleTable = sd.get('gaussian_conditional.scale_table');
    if (!scaleTable) continue;
    const stored = tablesFrom(m.weights, 'gaussian_conditional');
    const built = buildGaussianConditionalTables(scaleTable.data);
    assert.deepEqual(built.offsets, stored.offsets);
    assert.deepEqual(built.cdfLengths, stored.cdfLengths);
    let mismatched = 0;
    for (let i = 0; i < stored.cdfs.length; i++) {
      assert.equal(built.cdfs[i]!.length, stored.cdfs[i]!.length);
      for (let j = 0; j < stored.cdfs[i]!.length; j++) if (built.cdfs[i]![j] !== stored.cdfs[i]![j]) mismatched++;
    }
    assert.equal(mismatched, 0, `${mismatched} CDF entries differ`);
  }
});

test('cdf: hand-checked quantization, tail bin and padding', () => {
  // round(p * 65536) = [16384, 32768, 16384] + tail 0 → total 65536, no rescale; the empty tail
  // bin takes one unit from the smallest frequency above 1 (the first 16384), shifting cdf[1..3].
  const cdf = pmfToQuantizedCdf([0.25, 0.5, 0.25], 0);
  assert.deepEqual([...cdf], [0, 16383, 49151, 65535, 65536]);
  const t = buildQuantizedCdfTable([Float32Array.from([0.5, 0.5]), Float32Array.from([1])], [1e-9, 1e-9], [2, 1]);
  assert.deepEqual([...t.cdfLengths], [4, 3]);
  assert.deepEqual([...t.cdfs[1]!], [0, 65535, 65536, 0]);
});

test('cdf: every symbol keeps a non-zero frequency and rows end at 2^16 (fix-up loop)', () => {
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + Math.floor(rnd() * 400);
    const pmf = Array.from({ length: n }, () => (rnd() < 0.5 ? rnd() * 1e-7 : rnd() ** 6));
    pmf[Math.floor(rnd() * n)] = 0.5;
    const cdf = pmfToQuantizedCdf(pmf, rnd() * 1e-6);
    assert.equal(cdf.length, n + 2);
    assert.equal(cdf[0], 0);
    assert.equal(cdf[n + 1], 65536);
    for (let i = 0; i < n + 1; i++) assert.ok(cdf[i + 1]! > cdf[i]!, `freq 0 at ${i}`);
    // The table codes every in-range symbol and the bypass escape.
    const tables = { cdfs: [cdf], cdfLengths: Int32Array.of(n + 2), offsets: Int32Array.of(-3) };
    const symbols = Int32Array.from({ length: 200 }, () => Math.floor(rnd() * (n + 10)) - 8);
    const idx = new Int32Array(200);
    assert.deepEqual(ransDecodeWithIndexes(ransEncodeWithIndexes(symbols, idx, tables), idx, tables), symbols);
  }
});

test('cdf: erfc and the normal quantile are accurate to double precision', () => {
  assert.ok(Math.abs(erfc(0.5) - 0.4795001221869535) < 3e-16);
  assert.ok(Math.abs(erfc(2.5) / 4.069520174449590e-4 - 1) < 1e-15);
  assert.ok(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1) < 1e-13);
  assert.ok(Math.abs(erfc(-1) - 1.8427007929497148) < 5e-16);
  assert.ok(Math.abs(normalQuantile(5e-10) + 6.109410204869) < 1e-9);
});

test('cdf: cdfTablesFromBuffers refuses malformed rows', () => {
  const ok = { shape: [1, 4], data: [0, 100, 65536, 0] };
  assert.equal(cdfTablesFromBuffers(ok, [3], [-1]).cdfs[0]![1], 100);
  assert.throws(() => cdfTablesFromBuffers({ shape: [1, 4], data: [0, 100, 100, 65536] }, [4], [0]), /row 0/);
  assert.throws(() => cdfTablesFromBuffers({ shape: [1, 4], data: [0, 100, 65535, 0] }, [3], [0]), /row 0/);
  assert.throws(() => cdfTablesFromBuffers(ok, [5], [0]), /row 0/);
  assert.throws(() => cdfTablesFromBuffers(ok, [3, 3], [0]), /disagree/);
});

test('cdf: EntropyBottleneck sampling grid gives the stored offsets and CDF lengths', async () => {
  const { entropyBottleneckSampling } = await import('../../src/entropy/cdf.js');
  for (const m of Object.values(reference().models)) {
    const sd = checkpoint(m.weights);
    const g = entropyBottleneckSampling(sd.get('entropy_bottleneck.quantiles')!.data);
    assert.deepEqual(g.offsets, sd.get('entropy_bottleneck._offset')!.data);
    assert.deepEqual(g.pmfLengths.map((n) => n + 2), sd.get('entropy_bottleneck._cdf_length')!.data);
  }
});
