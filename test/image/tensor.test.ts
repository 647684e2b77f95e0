import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { cropTo, padTo } from '../../src/image/pad.js';
import { imageToTensor, tensorToImage } from '../../src/image/tensor.js';
import { rgbToYCbCr, yCbCrToRgb } from '../../src/image/ycbcr.js';

before(async () => {
  await initEngine({ engine: 'cpu' });
});

const ramp = (h: number, w: number) => tf.tensor4d(Float32Array.from({ length: h * w * 3 }, (_, i) => ((i * 7919) % 1000) / 1000), [1, h, w, 3]);

test('imageToTensor / tensorToImage round trip, clamped on the way out', async () => {
  const img = { width: 3, height: 2, data: Float32Array.from({ length: 18 }, (_, i) => i / 17) };
  const t = imageToTensor(img);
  assert.deepEqual(t.shape, [1, 2, 3, 3]);
  assert.deepEqual((await tensorToImage(t)).data, img.data);
  const wild = tf.tensor3d([-1, 0.5, 2], [1, 1, 3]);
  assert.deepEqual(Array.from((await tensorToImage(wild)).data), [0, 0.5, 1]);
  tf.dispose([t, wild]);
});

test('padTo splits padding like CompressAI eval_model (left = floor(total/2)) and cropTo inverts it', () => {
  const x = ramp(50, 37);
  for (const mode of ['zeros', 'replicate'] as const) {
    const { padded, pad } = padTo(x, 64, mode);
    assert.deepEqual(padded.shape, [1, 64, 64, 3]);
    assert.deepEqual(pad, { top: 7, bottom: 7, left: 13, right: 14 });
    const back = cropTo(padded, 50, 37);
    assert.equal(tf.max(tf.abs(tf.sub(back, x))).dataSync()[0], 0, mode);
    const corner = padded.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync();
    const edge = x.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync();
    assert.deepEqual(Array.from(corner), mode === 'zeros' ? [0, 0, 0] : Array.from(edge));
    // Bottom-right padded pixel replicates x's bottom-right pixel.
    if (mode === 'replicate') {
      assert.deepEqual(Array.from(padded.slice([0, 63, 63, 0], [1, 1, 1, 3]).dataSync()), Array.from(x.slice([0, 49, 36, 0], [1, 1, 1, 3]).dataSync()));
    }
    tf.dispose([padded, back]);
  }
  const { padded, pad } = padTo(x, 1);
  assert.deepEqual(pad, { top: 0, bottom: 0, left: 0, right: 0 });
  assert.deepEqual(padded.shape, x.shape);
  tf.dispose([x, padded]);
});

test('pad + crop are differentiable: gradient of sum(crop(pad(x))) is ones; replicate edges accumulate', () => {
  const x = ramp(5, 6);
  const g = tf.grad((v: tf.Tensor) => cropTo(padTo(v as tf.Tensor4D, 4, 'zeros').padded, 5, 6).sum())(x);
  assert.equal(g.sum().dataSync()[0], 5 * 6 * 3);
  // replicate pads 8x8 from 5x6: top 1, bottom 2, left 1, right 1; the top-left pixel appears 2x2 = 4 times.
  const gr = tf.grad((v: tf.Tensor) => padTo(v as tf.Tensor4D, 4, 'replicate').padded.sum())(x);
  assert.equal(gr.slice([0, 0, 0, 0], [1, 1, 1, 1]).dataSync()[0], 4);
  assert.equal(gr.sum().dataSync()[0], 8 * 8 * 3);
  tf.dispose([x, g, gr]);
});

test('BT.601 full-range YCbCr: known values, exact round trip, differentiable', () => {
  const rgb = tf.tensor2d([[1, 1, 1], [0, 0, 0], [1, 0, 0], [0, 0, 1]]);
  const ycc = rgbToYCbCr(rgb);
  const expected = [[1, 0.5, 0.5], [0, 0.5, 0.5], [0.299, 0.5 - 0.5 * 0.299 / 0.886, 1], [0.114, 1, 0.5 - 0.5 * 0.114 / 0.701]];
  const got = ycc.arraySync();
  for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(got[i]![j]! - expected[i]![j]!) < 1e-6, `${i},${j}: ${got[i]![j]}`);
  const x = ramp(16, 16);
  const back = yCbCrToRgb(rgbToYCbCr(x));
  assert.ok(tf.max(tf.abs(tf.sub(back, x))).dataSync()[0]! < 2e-6);
  const g = tf.grad((v: tf.Tensor) => rgbToYCbCr(v).slice([0, 0, 0, 0], [1, 16, 16, 1]).sum())(x);
  assert.deepEqual(Array.from(g.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync()).map((v) => Number(v.toFixed(6))), [0.299, 0.587, 0.114]);
  tf.dispose([rgb, ycc, x, back, g]);
});
