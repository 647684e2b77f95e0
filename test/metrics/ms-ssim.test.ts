import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { initEngine, tf } from '../../src/engine/index.js';
import { ImageShapeError, ImageSizeError } from '../../src/errors.js';
import { imageToTensor } from '../../src/image/tensor.js';
import { msSsim, msSsimDb, msSsimValue } from '../../src/metrics/ms-ssim.js';
import { gaussianWindow, ssim, ssimValue } from '../../src/metrics/ssim.js';
import { referenceMsSsim, referenceSsim } from './msssim-reference.js';
import { KODIM23, kodakCrop, perturb, synthetic } from './fixtures.js';

before(async () => {
  await initEngine({ engine: 'cpu' });
});

// Recorded from the float64 reference (msssim-reference.ts) on 2026-11-25; a change in either
// implementation or in the fixtures shows up here.
const RECORDED = {
  kodak: { msSsim: 0.9820357622578869, ssim: 0.7960266752202297 },
  synthetic: { msSsim: 0.9749874748070418, ssim: 0.9703080035057569 },
};

test('Gaussian window: 11 taps, σ 1.5, symmetric, sums to 1', () => {
  const g = gaussianWindow(11, 1.5);
  assert.equal(g.length, 11);
  assert.ok(Math.abs(g.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.equal(g[0], g[10]);
  assert.ok(Math.abs(g[5]! - 0.26601172) < 1e-6);
});

test('synthetic odd-size pair (167x181): TF.js equals the float64 reference and the recorded values', () => {
  const a = synthetic(167, 181, 0.3);
  const b = synthetic(167, 181, 0.45);
  const refMs = referenceMsSsim(a.data, b.data, a.width, a.height);
  const refS = referenceSsim(a.data, b.data, a.width, a.height);
  assert.ok(Math.abs(refMs - RECORDED.synthetic.msSsim) < 1e-12, `reference ms-ssim ${refMs}`);
  assert.ok(Math.abs(refS - RECORDED.synthetic.ssim) < 1e-12, `reference ssim ${refS}`);
  assert.ok(Math.abs(msSsimValue(a, b) - refMs) < 1e-5);
  assert.ok(Math.abs(ssimValue(a, b) - refS) < 1e-5);
});

test('kodim23 crop 192x192 vs a deterministic perturbation: TF.js equals reference and recorded values', { skip: !existsSync(KODIM23) && 'Kodak not present' }, async () => {
  const a = await kodakCrop();
  const b = perturb(a, 0.04);
  const refMs = referenceMsSsim(a.data, b.data, 192, 192);
  const refS = referenceSsim(a.data, b.data, 192, 192);
  assert.ok(Math.abs(refMs - RECORDED.kodak.msSsim) < 1e-12, `reference ms-ssim ${refMs}`);
  assert.ok(Math.abs(refS - RECORDED.kodak.ssim) < 1e-12, `reference ssim ${refS}`);
  const ms = msSsimValue(a, b);
  assert.ok(Math.abs(ms - refMs) < 1e-5, `tf ${ms} vs ref ${refMs}`);
  assert.ok(Math.abs(ssimValue(a, b) - refS) < 1e-5);
  // Properties: identity, symmetry, range.
  assert.ok(Math.abs(msSsimValue(a, a) - 1) < 1e-6);
  assert.ok(Math.abs(ssimValue(b, b) - 1) < 1e-6);
  assert.ok(Math.abs(msSsimValue(b, a) - ms) < 1e-6);
  assert.ok(ms > 0 && ms < 1);
  // Pure noise vs the image: far lower but still within [0,1] thanks to the ReLUs.
  const noise = synthetic(192, 192, 2.1);
  const low = msSsimValue(a, noise);
  assert.ok(low >= 0 && low < 0.5, `ms-ssim vs unrelated image ${low}`);
});

test('msSsim gradient exists, is finite, and points toward the reference', () => {
  const a = synthetic(176, 176, 0.1);
  const b = synthetic(176, 176, 0.25);
  const x = imageToTensor(a);
  const y = imageToTensor(b);
  const g = tf.grad((v: tf.Tensor) => msSsim(x, v as tf.Tensor4D))(y);
  const values = g.dataSync();
  assert.ok(values.every(Number.isFinite));
  assert.ok(tf.max(tf.abs(g)).dataSync()[0]! > 0);
  // A small step along the gradient increases MS-SSIM.
  const before = msSsimValue(x, y);
  const stepped = tf.tidy(() => y.add(g.div(tf.max(tf.abs(g))).mul(1e-3))) as tf.Tensor4D;
  assert.ok(msSsimValue(x, stepped) > before);
  const gs = tf.grad((v: tf.Tensor) => ssim(x, v as tf.Tensor4D))(y);
  assert.ok(gs.dataSync().every(Number.isFinite));
  tf.dispose([x, y, g, stepped, gs]);
});

test('batched input averages over images; size and shape errors are clear', () => {
  const a = imageToTensor(synthetic(170, 170, 0.2));
  const b = imageToTensor(synthetic(170, 170, 0.5));
  const batchA = tf.concat([a, a]);
  const batchB = tf.concat([a, b]);
  const both = msSsim(batchA, batchB).dataSync()[0]!;
  assert.ok(Math.abs(both - (1 + msSsimValue(a, b)) / 2) < 1e-6);
  const small = synthetic(160, 200, 0);
  assert.throws(() => msSsim(small, small), (e: Error) => e instanceof ImageSizeError && /> 160 px.*got 160x200/.test(e.message));
  assert.throws(() => msSsim(a, synthetic(171, 170, 0)), ImageShapeError);
  assert.throws(() => ssim(synthetic(10, 30, 0), synthetic(10, 30, 0)), ImageSizeError);
  tf.dispose([a, b, batchA, batchB]);
});

test('no tensors leak from ssim/msSsim on images, tensors, or errors', () => {
  const a = synthetic(165, 170, 0.2);
  const b = synthetic(165, 170, 0.3);
  const before = tf.memory().numTensors;
  msSsimValue(a, b);
  ssimValue(a, b);
  assert.throws(() => msSsim(synthetic(20, 20, 0), synthetic(20, 20, 0)), ImageSizeError);
  assert.equal(tf.memory().numTensors, before);
});

test('msSsimDb', () => {
  assert.ok(Math.abs(msSsimDb(0.99) - 20) < 1e-9);
  assert.ok(Math.abs(msSsimDb(0.9) - 10) < 1e-9);
  assert.equal(msSsimDb(1), Infinity);
});
