import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { msSsim } from '../../src/metrics/ms-ssim.js';
import { msSsimForLoss } from '../../src/train/ms-ssim-loss.js';

test('MS-SSIM loss term: equals the metric on similar images; finite gradient where the metric NaNs', async () => {
  await initEngine();
  const x = tf.tidy(() => tf.randomUniform([1, 192, 192, 3], 0, 1, 'float32', 1)) as tf.Tensor4D;
  const y = tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomNormal([1, 192, 192, 3], 0, 0.05, 'float32', 2)), 0, 1)) as tf.Tensor4D;
  const [ours, metric] = [msSsimForLoss(y, x), msSsim(y, x)];
  assert.ok(Math.abs(ours.dataSync()[0]! - metric.dataSync()[0]!) < 1e-5, `${ours.dataSync()[0]} vs ${metric.dataSync()[0]}`);
  // An inverted reconstruction has cs < 0 (relu → 0): the metric's gradient is NaN there.
  const flat = tf.sub(1, x) as tf.Tensor4D;
  const gMetric = tf.grad((z: tf.Tensor) => msSsim(z as tf.Tensor4D, x))(flat);
  const gOurs = tf.grad((z: tf.Tensor) => msSsimForLoss(z as tf.Tensor4D, x))(flat);
  assert.ok(Array.from(gMetric.dataSync()).some((v) => Number.isNaN(v)), 'premise: the metric gradient is NaN here');
  assert.ok(Array.from(gOurs.dataSync()).every((v) => Number.isFinite(v)));
  tf.dispose([x, y, ours, metric, flat, gMetric, gOurs]);
});
