import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../src/engine/ort/onnx.js';
import { runGraph } from '../../src/engine/ort/runtime.js';
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
