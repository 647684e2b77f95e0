import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { boundedGaussianLikelihood, gaussianLikelihood, gaussianLikelihoodOps } from '../../src/models/ops/gaussian-likelihood.js';
import { lowerBound } from '../../src/models/ops/lower-bound.js';
import { compareEngines, rand } from './compare.js';

const SCALE_BOUND = Math.fround(0.11);
const LIK_BOUND = Math.fround(1e-9);

/**
 * Inputs that reach every branch: scales below the bound, far tails (likelihood under its
 * bound), values exactly on the means (|d| at 0), and upstream gradients of both signs.
 */
function inputs(shape: number[], seed: number): { v: tf.Tensor; s: tf.Tensor; m: tf.Tensor; dy: tf.Tensor } {
  const m = tf.round(rand(shape, seed, -3, 3));
  const offset = tf.mul(rand(shape, seed + 1, -4, 4), tf.cast(tf.greater(rand(shape, seed + 2), -0.5), 'float32'));
  const v = tf.add(m, tf.round(offset)); // integers: many exactly on m, some 4 away
  const s = rand(shape, seed + 3, 0.01, 3);
  const dy = rand(shape, seed + 4, -1, 1);
  return { v, s, m, dy };
}

for (const withMeans of [true, false]) {
  for (const bounded of [true, false]) {
    test(`fused Gaussian likelihood equals the tf-op composition: value and grads (means ${withMeans}, likelihood bound ${bounded})`, async () => {
      const err = await compareEngines(() => {
        const { v, s, m, dy } = inputs([2, 5, 7, 24], 40);
        const fused = tf.getBackend() === 'ort';
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor => {
          const mm = withMeans ? c : undefined;
          if (fused) return bounded ? boundedGaussianLikelihood(a, b, mm, SCALE_BOUND, LIK_BOUND) : gaussianLikelihood(a, b, mm, SCALE_BOUND);
          const lik = gaussianLikelihoodOps(a, b, mm, SCALE_BOUND);
          return bounded ? lowerBound(lik, LIK_BOUND) : lik;
        };
        const loss = (a: tf.Tensor, b: tf.Tensor, c?: tf.Tensor): tf.Tensor => tf.sum(tf.mul(f(a, b, c ?? m), dy));
        const grads = withMeans ? tf.grads(loss)([v, s, m]) : tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b))([v, s]);
        return [f(v, s, m), ...grads];
      });
      assert.ok(err < 1e-4, `max rel error ${err}`);
    });
  }
}

test('fused Gaussian likelihood: no tensor leaks, one kernel forward, the composition for broadcast means', async () => {
  await initEngine({ engine: 'ort' });
  const { v, s, m } = inputs([1, 4, 6, 16], 50);
  const grad = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.log(boundedGaussianLikelihood(a, b, m, SCALE_BOUND, LIK_BOUND))));
  tf.dispose(grad([v, s]));
  const before = tf.memory().numTensors;
  const prof = await tf.profile(() => tf.tidy(() => boundedGaussianLikelihood(v, s, undefined, SCALE_BOUND, LIK_BOUND)));
  tf.dispose(prof.result as tf.Tensor);
  tf.dispose(grad([v, s]));
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(prof.kernels.map((k) => k.name).filter((n) => n.startsWith('Advlic')), ['AdvlicGaussianLikelihood']);
  // Per-channel means broadcast: not the fused kernel's case, same numbers from the composition.
  const mc = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i / 8));
  const a = gaussianLikelihood(v, s, mc, SCALE_BOUND);
  const b = gaussianLikelihoodOps(v, s, mc, SCALE_BOUND);
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! === 0);
  tf.dispose([v, s, m, mc, a, b]);
});
