import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { thresholds } from '../../src/engine/ort/thresholds.js';

test('a cpu view (contiguous slice) of an ORT output keeps its values after the source is disposed and ORT runs again', async () => {
  if ((await initEngine({ engine: 'ort' })).name !== 'ort') return;
  const saved = { ...thresholds };
  Object.assign(thresholds, { elements: 0 });
  try {
    const x = tf.range(0, 2 * 64 * 64 * 3).reshape([2, 64, 64, 3]) as tf.Tensor4D;
    const y = tf.mul(x, 2); // ORT output in a pooled buffer
    const view = tf.slice(y, [1, 0, 0, 0], [1, 64, 64, 3]); // the cpu Slice returns a subarray view
    // Read through new tensors only: data() on the view itself would pin its memory for good.
    const expected = (await tf.sum(view).data())[0];
    y.dispose();
    // Same-size ORT outputs would reuse the released buffer if the view did not count as a user.
    const others = [tf.neg(x), tf.abs(x), tf.square(x)];
    const after = (await tf.sum(view).data())[0];
    assert.equal(after, expected);
    tf.dispose([x, view, ...others]);
  } finally {
    Object.assign(thresholds, saved);
  }
});
