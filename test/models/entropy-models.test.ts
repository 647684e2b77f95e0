import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { ParamStore } from '../../src/models/param-store.js';
import { EntropyBottleneck } from '../../src/models/entropy/entropy-bottleneck.js';
import { GaussianConditional } from '../../src/models/entropy/gaussian-conditional.js';
import { defaultScaleTable, float16ScaleTable, scaleIndex } from '../../src/models/entropy/scale-table.js';
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
  gc.setScaleTable(Float32Array.from(sd.get('gaussian_conditional.scale_table')!.data));
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

/** A noise source that always adds the same offset, so the noisy value is known. */
const constantNoise = (v: number) => ({ uniform: (shape: number[]) => tf.fill(shape, v) });

test("'mixed' quantization: the decoder gets round(y) with gradient 1, the rate is taken at the noisy y", () => {
  const y = tf.tensor4d([0.3, -1.7, 2.4, 0.6, -0.2, 5.1], [1, 1, 2, 3]);
  const scales = tf.fill([1, 1, 2, 3], 1.5) as tf.Tensor4D;
  const noise = constantNoise(0.25);
  const gc = new GaussianConditional(new ParamStore(), 'gc');
  const mixed = gc.forward(y, scales, undefined, 'mixed', noise);
  assert.deepEqual(Array.from(mixed.yHat.dataSync()), [0, -2, 2, 1, -0, 5]);
  const noisy = gc.forward(y, scales, undefined, 'noise', noise);
  const rounded = gc.forward(y, scales, undefined, 'round', noise);
  assert.deepEqual(Array.from(mixed.likelihood.dataSync()), Array.from(noisy.likelihood.dataSync()));
  assert.notDeepEqual(Array.from(mixed.likelihood.dataSync()), Array.from(rounded.likelihood.dataSync()));
  const grad = tf.grad((v: tf.Tensor4D) => tf.sum(gc.forward(v, scales, undefined, 'mixed', noise).yHat))(y);
  assert.deepEqual(Array.from(grad.dataSync()), [1, 1, 1, 1, 1, 1]);

  const eb = new EntropyBottleneck(new ParamStore(), 'eb', 3, seededRandom(4));
  const ebMixed = eb.forward(y, 'mixed', noise);
  const medians = eb.quantiles.dataSync().filter((_, i) => i % 3 === 1);
  const expected = Array.from(y.dataSync(), (v, i) => Math.round(v - medians[i % 3]!) + medians[i % 3]!);
  Array.from(ebMixed.yHat.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `EB ŷ[${i}] ${v} vs ${expected[i]}`));
  assert.deepEqual(Array.from(ebMixed.likelihood.dataSync()), Array.from(eb.forward(y, 'noise', noise).likelihood.dataSync()));
});
