import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { ParamStore } from '../../src/models/param-store.js';
import { GaussianConditional } from '../../src/models/entropy/gaussian-conditional.js';
import { defaultScaleTable, float16ScaleTable, scaleIndex } from '../../src/models/entropy/scale-table.js';
import { floatToHalf, halfToFloat } from '../../src/models/weights/half.js';
import { readSafetensors, writeSafetensors } from '../../src/models/weights/safetensors.js';
import { withoutDerivableBuffers } from '../../src/models/weights/derivable.js';
import { createModel } from '../../src/models/registry.js';
import { seededRandom } from '../../src/models/init.js';

before(async () => {
  await initEngine({ engine: process.env.ADVLIC_ENGINE === 'ort' ? 'ort' : 'cpu' });
});

test('float16ScaleTable: float16-exact, strictly increasing, from the scale bound to 256', () => {
  const t = float16ScaleTable(256);
  assert.equal(t.length, 256);
  assert.ok(t[0]! >= Math.fround(0.11) && t[0]! < 0.1101, `first ${t[0]}`);
  assert.equal(t[255], 256);
  t.forEach((v, i) => {
    assert.equal(halfToFloat(floatToHalf(v)), v, `entry ${i} is not float16`);
    if (i > 0) assert.ok(v > t[i - 1]! && v / t[i - 1]! < 1.032, `entry ${i}: ${t[i - 1]} → ${v}`);
  });
  assert.throws(() => float16ScaleTable(1), /levels/);
});

test('scaleIndex (binary search) agrees with CompressAI\'s counting rule', () => {
  const rand = seededRandom(5);
  for (const table of [defaultScaleTable(), float16ScaleTable(256), Float32Array.of(1)]) {
    const last = table.length - 1;
    for (let n = 0; n < 2000; n++) {
      const s = n < 3 ? [0, table[0]!, 1e6][n]! : Math.exp(rand() * 8 - 3);
      let want = last;
      for (let k = 0; k < last; k++) if (s <= table[k]!) want--;
      assert.equal(scaleIndex(table, s), want, `s = ${s}`);
    }
  }
});

/**
 * Latents with log-uniform predicted scales s in [0.11, 2] (where most latents of a trained model
 * sit) and y ~ N(0, s/2): a trained model's low scales are conservative (most such latents are 0),
 * which is where coding with a wider Gaussian than predicted costs the most.
 */
function gaussianLatents(count: number, seed: number): { y: tf.Tensor4D; scales: tf.Tensor4D } {
  const rand = seededRandom(seed);
  const s = Float32Array.from({ length: count }, () => Math.exp(Math.log(0.11) + rand() * Math.log(2 / 0.11)));
  const y = Float32Array.from(s, (v) => 0.5 * v * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
  return { y: tf.tensor4d(y, [1, 1, count / 8, 8]), scales: tf.tensor4d(s, [1, 1, count / 8, 8]) };
}

test('a 256-level table codes the same symbols in fewer bytes, close to the model\'s estimate', () => {
  const { y, scales } = gaussianLatents(16384, 3);
  const coarse = new GaussianConditional(new ParamStore(), 'gc');
  coarse.update();
  const fine = new GaussianConditional(new ParamStore(), 'gc');
  fine.setScaleTable(float16ScaleTable(256));
  const estimate = tf.tidy(() => -tf.sum(tf.log(coarse.forward(y, scales, undefined, 'round').likelihood)).dataSync()[0]! / Math.LN2 / 8);
  const [a] = coarse.compress(y, scales);
  const [b] = fine.compress(y, scales);
  const ya = coarse.decompress([a!], scales);
  const yb = fine.decompress([b!], scales);
  assert.deepEqual(Array.from(yb.dataSync()), Array.from(ya.dataSync()));
  assert.ok(Array.from(ya.dataSync()).every((v, i) => v === Math.round(y.dataSync()[i]!) || v === -Math.round(-y.dataSync()[i]!)), 'decodes round(y)');
  // here the coarse table codes 5.3 % above the estimate and the fine one 1.6 % (seed 3): at least halved
  assert.ok(a!.length > estimate * 1.01, `64 levels: ${a!.length} bytes, estimate ${estimate.toFixed(0)}`);
  assert.ok(b!.length - estimate < (a!.length - estimate) / 2, `256 levels: ${b!.length} bytes, 64: ${a!.length}, estimate ${estimate.toFixed(0)}`);
  tf.dispose([y, scales, ya, yb]);
});

test('a finer table travels in slim fp16 weights (without its CDFs) and decodes the same bytes', () => {
  const model = createModel({ arch: 'bmshj2018-hyperprior', N: 8, M: 12 });
  model.update();
  model.gaussianConditional!.setScaleTable(float16ScaleTable(128));
  const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const c = model.compress(x);
  const slim = withoutDerivableBuffers(model.stateDict());
  assert.ok(slim.has('gaussian_conditional.scale_table'), 'the non-default table is kept');
  assert.ok(!slim.has('gaussian_conditional._quantized_cdf'), 'its CDFs are rebuilt on load, not stored');
  const { stateDict } = readSafetensors(writeSafetensors(slim, { fp16: true }));
  const loaded = createModel({ arch: 'bmshj2018-hyperprior', N: 8, M: 12 });
  loaded.update(); // default tables first: loading the file must replace them
  loaded.loadStateDict(stateDict);
  loaded.update();
  assert.equal(loaded.gaussianConditional!.scaleTable.length, 128);
  const again = loaded.compress(x);
  again.strings.forEach((s, i) => assert.deepEqual(Buffer.from(s), Buffer.from(c.strings[i]!), `string ${i}`));
  // a slim file with the default table (none stored) brings the default back
  const plain = createModel({ arch: 'bmshj2018-hyperprior', N: 8, M: 12 });
  plain.update();
  const plainSlim = withoutDerivableBuffers(plain.stateDict());
  assert.ok(!plainSlim.has('gaussian_conditional.scale_table'));
  loaded.loadStateDict(plainSlim);
  loaded.update();
  assert.deepEqual(Array.from(loaded.gaussianConditional!.scaleTable), Array.from(defaultScaleTable()));
  tf.dispose(x);
  [model, loaded, plain].forEach((m) => m.dispose());
});

test('update(force), as training runs it before every validation, keeps a loaded finer table', () => {
  const gc = new GaussianConditional(new ParamStore(), 'gc');
  gc.setScaleTable(float16ScaleTable(256));
  gc.update(true);
  assert.equal(gc.scaleTable.length, 256);
  const fresh = new GaussianConditional(new ParamStore(), 'gc');
  fresh.update(true);
  assert.deepEqual(Array.from(fresh.scaleTable), Array.from(defaultScaleTable()));
});

test('setScaleTable refuses a table that is not positive and increasing', () => {
  const gc = new GaussianConditional(new ParamStore(), 'gc');
  assert.throws(() => gc.setScaleTable(Float32Array.of(1, 0.5)), /increasing/);
  assert.throws(() => gc.setScaleTable(Float32Array.of(0, 1)), /positive/);
});
