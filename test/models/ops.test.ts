import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { erfc, erfcScalar } from '../../src/models/ops/erfc.js';
import { lowerBound } from '../../src/models/ops/lower-bound.js';
import { steRound } from '../../src/models/ops/ste-round.js';
import { quantize } from '../../src/models/ops/quantize.js';
import { SeededNoise } from '../../src/models/ops/noise.js';
import { gaussianLikelihood } from '../../src/models/ops/gaussian-likelihood.js';
import { gdn } from '../../src/models/ops/gdn.js';

before(async () => {
  await initEngine({ engine: process.env.ADVLIC_ENGINE === 'ort' ? 'ort' : 'cpu' });
});

// float64 values from scipy.special.erfc
const XS = [-3, -1, -0.3, 0, 0.2, 0.9, 2, 4, 6, 9];
const ERFC = [
  1.9999779095030015, 1.8427007929497148, 1.3286267594591274, 1.0, 0.7772974107895215, 0.20309178757716784,
  0.004677734981047266, 1.541725790028002e-8, 2.1519736712498913e-17, 4.137031746513811e-37,
];

test('erfc: relative error < 2e-7 (scalar) and ~1e-6 (float32 tensor), tails included', () => {
  const t = erfc(tf.tensor1d(XS)).dataSync();
  XS.forEach((x, i) => {
    const ref = ERFC[i]!;
    assert.ok(Math.abs(erfcScalar(x) - ref) / ref < 2e-7, `scalar erfc(${x})`);
    // float32 exp(-x²) alone costs ~ulp(x²) relative error in the far tail
    assert.ok(Math.abs(t[i]! - ref) / ref < (Math.abs(x) <= 4 ? 1e-6 : 4e-6), `tensor erfc(${x}) = ${t[i]} vs ${ref}`);
  });
});

test('erfc gradient is -2/sqrt(pi) exp(-x^2)', () => {
  const g = tf.grad((x: tf.Tensor) => tf.sum(erfc(x)))(tf.tensor1d([-1, 0, 0.5])).dataSync();
  [-1, 0, 0.5].forEach((x, i) => assert.ok(Math.abs(g[i]! + (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x)) < 1e-6));
});

test('lowerBound: forward max, gradient passes where x >= bound or grad < 0', () => {
  const x = tf.tensor1d([0.05, 0.05, 0.2, 0.2]);
  const w = tf.tensor1d([1, -1, 1, -1]); // loss = sum(w * lb(x)) -> dy = w
  const y = lowerBound(x, 0.11).dataSync();
  assert.deepEqual(Array.from(y).map((v) => +v.toFixed(4)), [0.11, 0.11, 0.2, 0.2]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(w, lowerBound(t, 0.11))))(x).dataSync();
  assert.deepEqual(Array.from(g), [0, -1, 1, -1]);
});

test('steRound rounds half to even with gradient 1; round mode has zero gradient', () => {
  const x = tf.tensor1d([0.5, 1.5, -0.5, 2.4]);
  assert.deepEqual(Array.from(steRound(x).dataSync()).map((v) => v + 0), [0, 2, 0, 2]);
  assert.deepEqual(Array.from(tf.grad((t: tf.Tensor) => tf.sum(steRound(t)))(x).dataSync()), [1, 1, 1, 1]);
  const gr = tf.grad((t: tf.Tensor) => tf.sum(quantize(t, 'round', tf.scalar(0.3))))(x).dataSync();
  assert.deepEqual(Array.from(gr), [0, 0, 0, 0]);
});

test('quantize: offsets, seeded noise within ±0.5 and reproducible', () => {
  const x = tf.tensor1d([0.1, 0.9, -1.1]);
  const m = tf.tensor1d([0.3, 0.3, 0.3]);
  const r = quantize(x, 'ste', m).dataSync();
  [0.3, 1.3, -0.7].forEach((v, i) => assert.ok(Math.abs(r[i]! - v) < 1e-6));
  const big = tf.zeros([1000]);
  const a = quantize(big, 'noise', undefined, new SeededNoise(7)).dataSync();
  const b = quantize(big, 'noise', undefined, new SeededNoise(7)).dataSync();
  assert.deepEqual(a, b);
  assert.ok(a.every((v) => v >= -0.5 && v <= 0.5));
  assert.ok(Math.abs(a.reduce((s, v) => s + v, 0) / 1000) < 0.05);
});

test('gaussianLikelihood matches the float64 formula, scale bounded at 0.11', () => {
  const v = [0, 1, -3, 20];
  const s = [1, 0.01, 2, 1];
  const l = gaussianLikelihood(tf.tensor1d(v), tf.tensor1d(s)).dataSync();
  v.forEach((vi, i) => {
    const sc = Math.max(s[i]!, 0.11);
    const a = Math.abs(vi);
    const ref = 0.5 * erfcScalar(-(0.5 - a) / sc / Math.SQRT2) - 0.5 * erfcScalar(-(-0.5 - a) / sc / Math.SQRT2);
    assert.ok(Math.abs(l[i]! - ref) <= 1e-6 * Math.max(ref, 1e-30) + 1e-12, `lik(${vi}, ${sc}) = ${l[i]} vs ${ref}`);
  });
});

test('gdn: x * rsqrt(beta + gamma x^2), inverse multiplies by sqrt', () => {
  const x = tf.tensor4d([1, 2], [1, 1, 1, 2]);
  const beta = tf.tensor1d([1, 2]);
  const gamma = tf.tensor2d([0.1, 0.2, 0.3, 0.4], [2, 2]);
  const y = gdn(x, beta, gamma, false).dataSync();
  assert.ok(Math.abs(y[0]! - 1 / Math.sqrt(1 + 0.1 + 0.8)) < 1e-6);
  assert.ok(Math.abs(y[1]! - 2 / Math.sqrt(2 + 0.3 + 1.6)) < 1e-6);
  const yi = gdn(x, beta, gamma, true).dataSync();
  assert.ok(Math.abs(yi[1]! - 2 * Math.sqrt(2 + 0.3 + 1.6)) < 1e-5);
});
