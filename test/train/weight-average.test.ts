import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { CheckpointError } from '../../src/errors.js';
import { WeightAverage } from '../../src/train/weight-average.js';

before(async () => {
  await initEngine();
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());

test('WeightAverage: starts at the weights, averages with its decay, swaps in and back, round-trips through a checkpoint', async () => {
  const a = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor2d([[4], [8]]));
  const vars = new Map([['a', a], ['b', b]]);
  const avg = new WeightAverage(vars, 0.75);
  try {
    a.assign(tf.tensor1d([5, 6]));
    b.assign(tf.tensor2d([[0], [0]]));
    avg.update(); // 0.75·start + 0.25·now
    assert.deepEqual(Object.fromEntries([...avg.toStateDict()].map(([k, t]) => [k, Array.from(t.data)])), { a: [2, 3], b: [3, 6] });
    assert.deepEqual(avg.toStateDict().get('b')!.shape, [2, 1]);

    const seen = await avg.withAveraged(() => [values(a), values(b)]);
    assert.deepEqual(seen, [[2, 3], [3, 6]]);
    assert.deepEqual([values(a), values(b)], [[5, 6], [0, 0]], 'live weights restored');
    await assert.rejects(avg.withAveraged(() => Promise.reject(new Error('boom'))), /boom/);
    assert.deepEqual(values(a), [5, 6], 'live weights restored after an error');

    const again = new WeightAverage(vars, 0.75, avg.toStateDict());
    assert.deepEqual(Array.from(again.toStateDict().get('a')!.data), [2, 3]);
    again.loadInto();
    assert.deepEqual(values(b), [3, 6]);
    again.dispose();

    const partial = new Map([['a', avg.toStateDict().get('a')!]]);
    const tensorsBefore = tf.memory().numTensors;
    assert.throws(() => new WeightAverage(vars, 0.75, partial), CheckpointError);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'a refused checkpoint leaks no tensor');
    assert.throws(() => new WeightAverage(vars, 1), RangeError);
  } finally {
    avg.dispose();
    tf.dispose([a, b]);
  }
});
