import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { conv2dTransposeBias } from '../../src/engine/ops/conv.js';
import { thresholds } from '../../src/engine/ort/thresholds.js';
import { ortRunCount } from '../../src/engine/ort/runtime.js';
import { col2imSettings } from '../../src/engine/ort/kernels/col2im.js';
import { compareEngines, rand } from './compare.js';

// Input gradients / transposed convs with ≤ 4 output channels: one GEMM + col2im (col2im.ts).
const saved = { ...thresholds };
const savedCol2im = { ...col2imSettings };
before(() => Object.assign(thresholds, { convMacs: 0, matmulMacs: 0, elements: 0 }));
after(() => {
  Object.assign(thresholds, saved);
  Object.assign(col2imSettings, savedCol2im);
});

type Shape4 = [number, number, number, number];

interface Case { x: Shape4; f: Shape4; s: number; p: 'same' | 'valid' | number }

// x is the forward conv's input (ci ≤ 4 channels): dx has ci channels. Odd sizes, all paddings.
const CASES: Case[] = [
  { x: [1, 17, 23, 3], f: [5, 5, 3, 8], s: 2, p: 'same' },
  { x: [2, 16, 12, 3], f: [5, 5, 3, 16], s: 2, p: 'same' },
  { x: [1, 15, 13, 4], f: [5, 5, 4, 6], s: 2, p: 'valid' },
  { x: [1, 13, 11, 1], f: [3, 3, 1, 5], s: 1, p: 'same' },
  { x: [2, 14, 9, 2], f: [4, 3, 2, 7], s: 2, p: 'same' },
  { x: [1, 19, 17, 3], f: [3, 3, 3, 4], s: 3, p: 'same' },
  { x: [1, 12, 14, 3], f: [5, 5, 3, 9], s: 2, p: 2 },
  { x: [1, 11, 10, 3], f: [2, 2, 3, 5], s: 2, p: 'valid' },
];

for (const c of CASES)
for (const bandPixels of [1 << 14, 1, 40]) {
  test(`conv input gradient with ${c.x[3]} channels matches cpu: x=[${c.x}] f=[${c.f}] s=${c.s} p=${c.p} bandPixels=${bandPixels}`, async () => {
    Object.assign(col2imSettings, { enabled: true, bandPixels });
    let gemmRuns = 0;
    const err = await compareEngines(() => {
      const x = rand(c.x, 1) as tf.Tensor4D;
      const w = rand(c.f, 2) as tf.Tensor4D;
      const dy = rand(tf.conv2d(x, w, c.s, c.p).shape, 3);
      const before = ortRunCount();
      const attrs = { strides: c.s, pad: c.p, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap;
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs) as tf.Tensor;
      gemmRuns = ortRunCount() - before;
      return [dx];
    });
    Object.assign(col2imSettings, savedCol2im);
    assert.ok(err < 1e-5, `max rel error ${err}`);
    // One GEMM per band of dy rows per image (the blocked path is one graph run).
    const [, dyRows, dyCols] = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.s, c.p).shape);
    const band = Math.max(1, Math.min(dyRows, Math.floor(bandPixels / dyCols)));
    assert.equal(gemmRuns, c.x[0] * Math.ceil(dyRows / band));
  });
}

const DECONV: Array<{ x: Shape4; f: Shape4; out: Shape4; s: number; p: 'same' | number }> = [
  { x: [1, 7, 9, 12], f: [5, 5, 3, 12], out: [1, 14, 18, 3], s: 2, p: 'same' },
  { x: [2, 6, 5, 16], f: [5, 5, 3, 16], out: [2, 11, 9, 3], s: 2, p: 'same' },
  { x: [1, 5, 7, 8], f: [5, 5, 4, 8], out: [1, 10, 14, 4], s: 2, p: 2 },
  { x: [1, 9, 6, 5], f: [3, 3, 2, 5], out: [1, 9, 6, 2], s: 1, p: 'same' },
];

for (const c of DECONV) {
  test(`conv2dTransposeBias with ${c.out[3]} channels matches conv2dTranspose + add on cpu: x=[${c.x}] out=[${c.out}] s=${c.s}`, async () => {
    Object.assign(col2imSettings, { enabled: true, bandPixels: 12 });
    const err = await compareEngines(() => {
      const x = rand(c.x, 4) as tf.Tensor4D;
      const w = rand(c.f, 5) as tf.Tensor4D;
      const b = rand([c.f[2]], 6) as tf.Tensor1D;
      return tf.getBackend() === 'ort' ? conv2dTransposeBias(x, w, c.out, c.s, c.p, b) : tf.add(tf.conv2dTranspose(x, w, c.out, c.s, c.p), b);
    });
    Object.assign(col2imSettings, savedCol2im);
    assert.ok(err < 1e-5, `max rel error ${err}`);
  });
}

test('GEMM + col2im agrees with the blocked polyphase path on a larger 3-channel layer', async () => {
  await initEngine({ engine: 'ort' });
  const dy = rand([1, 40, 56, 32], 7) as tf.Tensor4D;
  const w = rand([5, 5, 3, 32], 8) as tf.Tensor4D;
  const b = rand([3], 9) as tf.Tensor1D;
  const layer = (): Float32Array => tf.tidy(() => conv2dTransposeBias(dy, w, [1, 80, 112, 3], 2, 'same', b).dataSync() as Float32Array).slice();
  col2imSettings.enabled = false;
  const blocked = layer();
  col2imSettings.enabled = true;
  const col2im = layer();
  Object.assign(col2imSettings, savedCol2im);
  let scale = 0;
  let err = 0;
  blocked.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    err = Math.max(err, Math.abs(v - col2im[i]!));
  });
  assert.ok(scale > 1, `scale ${scale}`);
  assert.ok(err / scale < 1e-5, `max rel diff ${err / scale}`);
  tf.dispose([dy, w, b]);
});
