import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { ParamStore } from '../../src/models/param-store.js';
import { EntropyBottleneck } from '../../src/models/entropy/entropy-bottleneck.js';
import { GaussianConditional, defaultScaleTable } from '../../src/models/entropy/gaussian-conditional.js';
import { seededRandom } from '../../src/models/init.js';
import { loadRefWeights, referenceIndex } from './reference-data.js';

before(async () => {
  await initEngine({ engine: process.env.ADVLIC_ENGINE === 'ort' ? 'ort' : 'cpu' });
});

test('EntropyBottleneck: quantile search puts the cumulative logits on their targets', () => {
  const eb = new EntropyBottleneck(new ParamStore(), 'entropy_bottleneck', 4, seededRandom(2));
  const before = eb.loss().dataSync()[0]!;
  eb.update(true, true);
  const after = eb.loss().dataSync()[0]!;
  assert.ok(after < before / 10, `aux loss ${before} → ${after}`);
  const q = eb.quantiles.dataSync();
  for (let c = 0; c < 4; c++) assert.ok(q[c * 3]! < q[c * 3 + 1]! && q[c * 3 + 1]! < q[c * 3 + 2]!, 'quantiles ordered');
  assert.ok(eb.cdf.ready);
});

test('EntropyBottleneck: the pmf over the integers sums to 1', () => {
  const eb = new EntropyBottleneck(new ParamStore(), 'eb', 2, seededRandom(3));
  const v = tf.tensor3d(Array.from({ length: 2 * 801 }, (_, i) => (i % 801) - 400), [2, 1, 801]);
  const sums = tf.sum(eb.likelihood(v).likelihood, 2).dataSync();
  sums.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-4, `pmf sum ${s}`));
});

test('GaussianConditional: update() from the checkpoint scale table rebuilds its CDF buffers exactly', () => {
  const m = referenceIndex().models['bmshj2018-hyperprior-q1-tiny']!;
  const sd = loadRefWeights(m.weights);
  const store = new ParamStore();
  const gc = new GaussianConditional(store, 'gaussian_conditional');
  gc.scaleTable = Float32Array.from(sd.get('gaussian_conditional.scale_table')!.data);
  gc.update();
  const mine = store.stateDict();
  for (const k of ['_offset', '_cdf_length', '_quantized_cdf'].map((s) => `gaussian_conditional.${s}`)) {
    assert.deepEqual(mine.get(k)!.shape, sd.get(k)!.shape, k);
    assert.ok(mine.get(k)!.data.every((v, i) => v === sd.get(k)!.data[i]), `${k} differs`);
  }
  // the default table is torch's to within one float32 ulp (torch's vectorised expf rounds differently)
  const def = defaultScaleTable();
  gc.scaleTable.forEach((v, i) => assert.ok(Math.abs(def[i]! - v) / v < 1.2e-7, `scale_table[${i}]`));
  assert.equal(def[0], Math.fround(0.11));
});

test('GaussianConditional.buildIndexes: first table entry ≥ the scale, bounded below', () => {
  const gc = new GaussianConditional(new ParamStore(), 'gc');
  gc.update();
  const t = gc.scaleTable;
  const idx = gc.buildIndexes(Float32Array.of(0.01, t[0]!, t[0]! * 1.0001, t[10]!, 300));
  assert.deepEqual(Array.from(idx), [0, 0, 1, 10, 63]);
});
