import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { spatialMean, stableSum } from '../../src/metrics/stable-sum.js';

// Kodak-size maps: a one-pass float32 reduction was off by 2.7e-3 here on the 'ort' engine.
for (const engine of ['cpu', 'ort'] as const) {
  test(`stableSum / spatialMean keep float32 accuracy on 512x768x3 (${engine})`, async (t) => {
    const { name } = await initEngine({ engine });
    if (name !== engine) return t.skip(`engine ${engine} unavailable`);
    const v = tf.fill([1, 512, 768, 3], 0.99531) as tf.Tensor4D;
    const m = spatialMean(v).dataSync();
    for (const x of m) assert.ok(Math.abs(x - 0.99531) < 5e-6, `${engine} mean ${x}`);
    const s = stableSum(v).dataSync()[0]!;
    assert.ok(Math.abs(s / (512 * 768 * 3) - 0.99531) < 5e-6, `${engine} sum ${s}`);
    // Odd sizes pad correctly, and the gradient is all ones.
    const odd = tf.range(0, 1001).div(1000);
    assert.ok(Math.abs(stableSum(odd).dataSync()[0]! - 500.5) < 1e-4);
    const g = tf.grad((x: tf.Tensor) => stableSum(x))(odd);
    assert.equal(g.sum().dataSync()[0], 1001);
    tf.dispose([v, odd, g]);
    await initEngine({ engine: 'cpu' });
  });
}
