import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { conv2dBias, conv2dTransposeBias } from '../../src/engine/ops/conv.js';
import { thresholds } from '../../src/engine/ort/thresholds.js';
import { compareEngines, rand } from './compare.js';

const saved = { ...thresholds };
before(() => Object.assign(thresholds, { convMacs: 0, matmulMacs: 0, elements: 0 }));
after(() => Object.assign(thresholds, saved));

type Shape4 = [number, number, number, number];

/** Value and gradients w.r.t. x, filter and bias of Σ dy·layer(x): the fused op on 'ort', the plain composition on 'cpu'. */
function valueAndGrads(layer: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D, xs: Shape4, ws: Shape4, cout: number): tf.Tensor[] {
  const x = rand(xs, 1) as tf.Tensor4D;
  const w = rand(ws, 2) as tf.Tensor4D;
  const b = rand([cout], 3) as tf.Tensor1D;
  const y = layer(x, w, b);
  const dy = rand(y.shape, 4);
  const grads = tf.grads((a: tf.Tensor, f: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(layer(a as tf.Tensor4D, f as tf.Tensor4D, c as tf.Tensor1D), dy)))([x, w, b]);
  return [y, ...grads];
}

const CONV: Array<{ x: Shape4; f: Shape4; s: number; p: number | 'same' | 'valid' }> = [
  { x: [2, 12, 10, 16], f: [5, 5, 16, 16], s: 2, p: 2 },
  { x: [1, 9, 11, 3], f: [5, 5, 3, 16], s: 2, p: 2 },
  { x: [2, 8, 7, 16], f: [3, 3, 16, 12], s: 1, p: 1 },
  { x: [1, 9, 8, 5], f: [3, 3, 5, 7], s: 2, p: 'valid' },
];

for (const c of CONV)
for (const bandElements of [1 << 20, 1]) {
  test(`conv2dBias (one ORT graph, lazy gradients) equals conv2d + add: value and grads, x=[${c.x}] f=[${c.f}] s=${c.s} p=${c.p} band=${bandElements}`, async () => {
    thresholds.bandElements = bandElements;
    const err = await compareEngines(() =>
      valueAndGrads((x, w, b) => (tf.getBackend() === 'ort' ? conv2dBias(x, w, b, c.s, c.p) : tf.add(tf.conv2d(x, w, c.s, c.p), b)), c.x, c.f, c.f[3]),
    );
    thresholds.bandElements = saved.bandElements;
    assert.ok(err < 1e-4, `max rel error ${err}`);
  });
}

const DECONV: Array<{ x: Shape4; f: Shape4; out: Shape4; s: number; p: number | 'same' }> = [
  { x: [2, 6, 5, 16], f: [5, 5, 16, 16], out: [2, 12, 10, 16], s: 2, p: 2 },
  { x: [1, 6, 5, 16], f: [5, 5, 3, 16], out: [1, 12, 10, 3], s: 2, p: 2 },
  { x: [1, 7, 6, 16], f: [3, 3, 16, 16], out: [1, 7, 6, 16], s: 1, p: 1 },
  { x: [2, 5, 4, 6], f: [5, 5, 4, 6], out: [2, 10, 8, 4], s: 2, p: 'same' },
];

for (const c of DECONV) {
  test(`conv2dTransposeBias equals conv2dTranspose + add: value and grads, x=[${c.x}] f=[${c.f}] s=${c.s} p=${c.p}`, async () => {
    for (const [nchwc, bandElements] of [[true, 1 << 20], [true, 1], [false, 1 << 20]] as const) {
      Object.assign(thresholds, { nchwc, bandElements });
      const err = await compareEngines(() =>
        valueAndGrads(
          (x, w, b) => (tf.getBackend() === 'ort' ? conv2dTransposeBias(x, w, c.out, c.s, c.p, b) : tf.add(tf.conv2dTranspose(x, w, c.out, c.s, c.p), b)),
          c.x, c.f, c.f[2],
        ),
      );
      Object.assign(thresholds, { nchwc: saved.nchwc, bandElements: saved.bandElements });
      assert.ok(err < 1e-4, `nchwc=${nchwc} band=${bandElements}: max rel error ${err}`);
    }
  });
}

test('conv2dBias: an input gradient alone runs no filter gradient; no tensor leaks', async () => {
  await initEngine({ engine: 'ort' });
  const x = rand([1, 8, 8, 16], 5) as tf.Tensor4D;
  const w = rand([5, 5, 16, 16], 6) as tf.Tensor4D;
  const wt = rand([5, 5, 16, 16], 8) as tf.Tensor4D;
  const b = rand([16], 7) as tf.Tensor1D;
  const grad = tf.grad((a: tf.Tensor) => tf.sum(conv2dTransposeBias(conv2dBias(a as tf.Tensor4D, w, b, 2, 2), wt, [1, 8, 8, 16], 2, 2, b)));
  tf.tidy(() => grad(x));
  const before = tf.memory().numTensors;
  const prof = await tf.profile(() => tf.tidy(() => grad(x)));
  tf.dispose(prof.result as tf.Tensor);
  assert.equal(tf.memory().numTensors, before);
  const names = prof.kernels.map((k) => k.name);
  assert.ok(!names.includes('Conv2DBackpropFilter'), names.join(','));
  assert.ok(names.includes('AdvlicConv2DBias') && names.includes('AdvlicConv2DTransposeBias'), names.join(','));
  tf.dispose([x, w, wt, b]);
});
