import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { createModel, inferConfigFromStateDict } from '../../src/models/registry.js';
import { withoutDerivableBuffers } from '../../src/models/weights/derivable.js';
import type { LearnedModel } from '../../src/models/types.js';
import type { QuantMode } from '../../src/codec/types.js';
import { loadRefWeights, maxAbsDiff, readBytes, refNhwc, referenceIndex, relL2, type RefModel } from './reference-data.js';

before(async () => {
  await initEngine({ engine: process.env.ADVLIC_ENGINE === 'ort' ? 'ort' : 'cpu' });
});

const models = Object.entries(referenceIndex().models);
const input = () => refNhwc({ file: 'input.f32', shape: [1, 3, 64, 128] });

function load(m: RefModel, file = m.weights): LearnedModel {
  const sd = loadRefWeights(file);
  const model = createModel(inferConfigFromStateDict(sd));
  model.loadStateDict(sd);
  return model;
}

const bitsOf = (l: tf.Tensor) => tf.tidy(() => tf.sum(tf.neg(tf.log(l))).dataSync()[0]! / Math.LN2);

for (const [id, m] of models) {
  test(`${id}: infers ${m.arch} N=${m.N} M=${m.M}; stateDict round-trips the checkpoint exactly`, () => {
    const sd = loadRefWeights(m.weights);
    assert.deepEqual(inferConfigFromStateDict(sd), { arch: m.arch, N: m.N, M: m.M });
    const model = load(m);
    const out = model.stateDict();
    assert.deepEqual([...out.keys()].sort(), [...sd.keys()].sort());
    for (const [k, t] of sd) {
      assert.deepEqual(out.get(k)!.shape, t.shape, k);
      assert.ok(out.get(k)!.data.every((v, i) => v === t.data[i]), `${k} differs after a load/save round trip`);
    }
    model.dispose();
  });

  test(`${id}: eval forward matches CompressAI (x_hat, likelihoods, bits)`, () => {
    const model = load(m);
    tf.tidy(() => {
      const out = model.forward(input(), 'round');
      const dx = maxAbsDiff(out.xHat, refNhwc(m.forward.x_hat));
      assert.ok(dx < 1e-4, `x_hat max abs error ${dx}`);
      let total = 0;
      for (const [k, ref] of Object.entries(m.forward.likelihoods)) {
        const l = out.likelihoods[k]!;
        const e = relL2(l, refNhwc(ref));
        assert.ok(e < 1e-4, `likelihoods ${k}: relative L2 error ${e}`);
        const bits = bitsOf(l);
        assert.ok(Math.abs(bits - ref.bits!) / ref.bits! < 1e-4, `${k} bits ${bits} vs ${ref.bits}`);
        total += bits;
      }
      assert.ok(Math.abs(total - m.forward.total_bits) / m.forward.total_bits < 1e-3, `total bits ${total} vs ${m.forward.total_bits}`);
      assert.deepEqual(Object.keys(out.likelihoods).sort(), Object.keys(m.forward.likelihoods).sort());
    });
    model.dispose();
  });

  test(`${id}: input gradients (eval mse, STE mse, STE bpp) match CompressAI`, () => {
    const model = load(m);
    const x = input();
    const mse = (mode: QuantMode) => (v: tf.Tensor) =>
      tf.mean(tf.square(tf.sub(model.forward(v as tf.Tensor4D, mode).xHat, v))) as tf.Scalar;
    const bpp = (v: tf.Tensor) => {
      const o = model.forward(v as tf.Tensor4D, 'ste');
      const nats = tf.addN(Object.values(o.likelihoods).map((l) => tf.sum(tf.neg(tf.log(l)))));
      return tf.div(nats, Math.LN2 * 64 * 128) as tf.Scalar;
    };
    const cases = { grad_eval_mse: mse('round'), grad_ste_mse: mse('ste'), grad_ste_bpp: bpp } as const;
    for (const [name, f] of Object.entries(cases)) {
      tf.tidy(() => {
        const e = relL2(tf.grad(f)(x), refNhwc(m.gradients[name]!));
        assert.ok(e < 1e-3, `${name}: relative L2 error ${e}`);
      });
    }
    x.dispose();
    model.dispose();
  });

  test(`${id}: compress gives CompressAI's bytes, decompress its x_hat`, () => {
    const model = load(m);
    const x = input();
    const c = model.compress(x);
    assert.deepEqual(c.shape, m.compress.shape);
    assert.equal(c.strings.length, m.compress.string_files.length);
    c.strings.forEach((s, i) => assert.deepEqual(Buffer.from(s), Buffer.from(readBytes(m.compress.string_files[i]![0]!)), `string ${i}`));
    const refStrings = m.compress.string_files.map((f) => readBytes(f[0]!));
    const d = model.decompress({ strings: refStrings, shape: m.compress.shape as [number, number] });
    const e = maxAbsDiff(d, refNhwc(m.compress.decompress_x_hat));
    assert.ok(e < 1e-4, `decompressed x_hat max abs error ${e}`);
    tf.dispose([x, d]);
    model.dispose();
  });

  // The pmfs come from float32 logits whose summation order differs from torch's, so a pmf
  // sitting on a rounding boundary of p·2^16 may move one CDF step by 1 (seen once, factorized ch 12).
  test(`${id}: update(force) rebuilds the stored entropy-bottleneck tables (CDFs within 1)`, () => {
    const model = load(m);
    const before = model.stateDict();
    model.update(true);
    const after = model.stateDict();
    for (const k of ['_offset', '_quantized_cdf', '_cdf_length'].map((s) => `entropy_bottleneck.${s}`)) {
      assert.deepEqual(after.get(k)!.shape, before.get(k)!.shape, k);
      const a = after.get(k)!.data;
      const b = before.get(k)!.data;
      const tol = k.endsWith('_quantized_cdf') ? 1 : 0;
      assert.ok(a.every((v, i) => Math.abs(v - b[i]!) <= tol), `${k} differs by more than ${tol}`);
      const rows = new Set([...a.keys()].filter((i) => a[i] !== b[i]).map((i) => Math.floor(i / (before.get(k)!.shape[1] ?? 1))));
      assert.ok(rows.size <= 1, `${k}: ${rows.size} rows differ`);
    }
    model.dispose();
  });

  test(`${id}: slim weights keep a non-default scale table (its CDFs only if update() could not rebuild them), and still code CompressAI's bytes`, () => {
    const sd = loadRefWeights(m.weights);
    const slim = withoutDerivableBuffers(sd);
    if (sd.has('gaussian_conditional.scale_table')) assert.ok(slim.has('gaussian_conditional.scale_table'), 'the scale table was dropped');
    const model = createModel(inferConfigFromStateDict(sd));
    model.loadStateDict(slim);
    model.update();
    const x = input();
    const c = model.compress(x);
    c.strings.forEach((s, i) => assert.deepEqual(Buffer.from(s), Buffer.from(readBytes(m.compress.string_files[i]![0]!)), `string ${i}`));
    x.dispose();
    model.dispose();
  });

  for (const [name, v] of Object.entries(m.variants ?? {})) {
    test(`${id}: ${name} variant loads to the same weights`, () => {
      const a = load(m).stateDict();
      const b = load(m, v.file).stateDict();
      for (const [k, t] of a) assert.ok(b.get(k)!.data.every((x, i) => x === t.data[i]), `${k} differs`);
    });
  }
}
