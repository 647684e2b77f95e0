import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../src/engine/ort/onnx.js';
import { ortCopiesSkipped, runGraph } from '../../src/engine/ort/runtime.js';
import { thresholds } from '../../src/engine/ort/thresholds.js';
import { ortAvailable } from './compare.js';

test('graph outputs: a node output read by other nodes, the same value twice, and a graph input', async () => {
  assert.ok(await ortAvailable());
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    const x = g.input([4]);
    const sq = g.node('Mul', [x, x]);
    g.output(sq, [4]); // also read by the Add below: renamed, no copy
    g.output(g.node('Add', [sq, x]), [4]);
    g.output(sq, [4]); // a second copy of the same value
    g.output(x, [4]); // a graph input
    return g;
  };
  const x = Float32Array.of(1, 2, -3, 0.5);
  const [a, b, c, d] = runGraph('test-graph-outputs', build, [{ data: x, shape: [4] }], [[4], [4], [4], [4]]);
  assert.deepEqual([...a!], [1, 4, 9, 0.25]);
  assert.deepEqual([...b!], [2, 6, 6, 0.75]);
  assert.deepEqual([...c!], [1, 4, 9, 0.25]);
  assert.deepEqual([...d!], [...x]);
});

test('sentinel output: the binding writes our buffers and skips its output copies; real errors still throw', async () => {
  assert.ok(await ortAvailable());
  const saved = { ...thresholds };
  try {
    thresholds.sentinelBytes = 0; // these outputs are tiny
    for (const skip of [true, false]) {
      thresholds.skipOutputCopy = skip;
      const build = (): GraphBuilder => {
        const g = new GraphBuilder();
        const x = g.input([3]);
        g.output(g.node('Neg', [x]), [3]);
        g.output(g.node('Mul', [x, x]), [3]);
        return g;
      };
      const before = ortCopiesSkipped();
      const [neg, sq] = runGraph('test-sentinel', build, [{ data: Float32Array.of(1, -2, 3), shape: [3] }], [[3], [3]]);
      assert.deepEqual([...neg!], [-1, 2, -3]);
      assert.deepEqual([...sq!], [1, 4, 9]);
      // If a new binding stops throwing on the sentinel, this fails: the copies are back.
      assert.equal(ortCopiesSkipped() - before, skip ? 1 : 0);
      assert.throws(() => runGraph('test-sentinel', build, [{ data: Float32Array.of(1, 2), shape: [2] }], [[3], [3]]), (e: Error) => !e.message.startsWith('Non tensor type'));
    }
  } finally {
    Object.assign(thresholds, saved);
  }
});
