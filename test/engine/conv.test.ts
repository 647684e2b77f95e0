import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/index.js';
import { thresholds } from '../../src/engine/ort/thresholds.js';
import { ortRunCount } from '../../src/engine/ort/runtime.js';
import { nchwcBlock } from '../../src/engine/ort/kernels/nchwc.js';
import { compareEngines, ortAvailable, rand } from './compare.js';

const saved = { ...thresholds };
before(() => Object.assign(thresholds, { convMacs: 0, matmulMacs: 0, elements: 0 }));
after(() => Object.assign(thresholds, saved));

const TOL = 1e-4;

interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: number;
  p: 'same' | 'valid';
  d?: number;
}

const CASES: Case[] = [
  { x: [1, 9, 11, 3], f: [3, 3, 3, 5], s: 1, p: 'same' },
  { x: [2, 13, 10, 4], f: [5, 5, 4, 6], s: 2, p: 'same' },
  { x: [2, 13, 10, 4], f: [5, 5, 4, 6], s: 2, p: 'valid' },
  { x: [1, 16, 16, 3], f: [4, 4, 3, 2], s: 2, p: 'same' },
  { x: [3, 7, 9, 2], f: [1, 1, 2, 7], s: 1, p: 'valid' },
  { x: [1, 15, 14, 3], f: [3, 3, 3, 4], s: 1, p: 'same', d: 2 },
  { x: [1, 15, 14, 3], f: [3, 2, 3, 4], s: 1, p: 'valid', d: 2 },
  { x: [2, 17, 12, 5], f: [3, 3, 5, 3], s: 3, p: 'same' },
  { x: [1, 9, 8, 3], f: [1, 1, 3, 4], s: 2, p: 'same' },
  { x: [1, 12, 14, 2], f: [2, 3, 2, 3], s: 2, p: 'valid' },
  // Whole channel blocks (NCHWc path with blocked input); 20 output channels pad a block.
  { x: [1, 12, 10, 16], f: [5, 5, 16, 20], s: 2, p: 'same' },
  { x: [2, 9, 11, 32], f: [3, 3, 32, 16], s: 1, p: 'same' },
  { x: [1, 10, 9, 16], f: [3, 3, 16, 16], s: 1, p: 'valid', d: 2 },
  { x: [1, 13, 12, 16], f: [4, 4, 16, 8], s: 2, p: 'valid' },
  { x: [2, 11, 9, 20], f: [3, 3, 20, 16], s: 2, p: 'same' }, // 20 channels: not whole blocks
  // Whole blocks on both sides: input gradient as separate exact-tap phase convs.
  { x: [2, 12, 10, 16], f: [5, 5, 16, 32], s: 2, p: 'same' },
  { x: [1, 13, 11, 16], f: [5, 5, 16, 16], s: 2, p: 'same' },
  { x: [1, 14, 11, 16], f: [5, 5, 16, 16], s: 2, p: 'valid' },
  { x: [1, 17, 12, 16], f: [3, 3, 16, 16], s: 3, p: 'same' },
];

// bandElements 1: NHWC blocked convs on bands of one output row (stride rows for input
// gradients), 300: a few rows; 2^20: one band at these sizes.
const MODES = [
  { inputGradient: 'polyphase', nchwc: true, bandElements: 1 << 20 },
  { inputGradient: 'polyphase', nchwc: true, bandElements: 1 },
  { inputGradient: 'polyphase', nchwc: true, bandElements: 300 },
  { inputGradient: 'polyphase', nchwc: false, bandElements: 1 << 20 },
  { inputGradient: 'convTranspose', nchwc: false, bandElements: 1 << 20 },
] as const;

test('NCHWc kernels are available (block of 8 or 16 channels on x64)', async () => {
  assert.ok(await ortAvailable());
  if (process.arch === 'x64') assert.ok([8, 16].includes(nchwcBlock()), `block ${nchwcBlock()}`);
});

for (const mode of MODES)
for (const c of CASES) {
  const name = `x=[${c.x}] f=[${c.f}] s=${c.s} d=${c.d ?? 1} p=${c.p} dx=${mode.inputGradient} nchwc=${mode.nchwc} band=${mode.bandElements}`;
  test(`conv2d forward + input/filter gradients match cpu: ${name}`, async () => {
    Object.assign(thresholds, mode);
    const runsBefore = ortRunCount();
    const err = await compareEngines(() => {
      const x = rand(c.x, 1) as tf.Tensor4D;
      const w = rand(c.f, 2) as tf.Tensor4D;
      const dil = c.d ?? 1;
      const y = tf.conv2d(x, w, c.s, c.p, 'NHWC', dil);
      if (dil > 1) return [y]; // TF.js conv2d gradients require dilation 1
      const dy = rand(y.shape, 3);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.p).mul(dy).sum())([x, w]);
      return [y, dx, dw];
    });
    assert.ok(err < TOL, `max rel error ${err}`);
    assert.ok(ortRunCount() > runsBefore, 'ORT kernels did not run');
  });
}

for (const [nchwc, band] of [[true, 1 << 20], [true, 1], [false, 1 << 20]] as const)
for (const [cin, cout] of [[4, 6], [16, 12], [32, 16]])
test(`fused conv2d with bias and activations matches cpu: ${cin}->${cout} nchwc=${nchwc} band=${band}`, async () => {
  Object.assign(thresholds, { nchwc, bandElements: band });
  const err = await compareEngines(() => {
    const x = rand([2, 11, 9, cin], 4) as tf.Tensor4D;
    const w = rand([3, 3, cin, cout], 5) as tf.Tensor4D;
    const b = rand([cout], 6) as tf.Tensor1D;
    return [
      tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same', bias: b, activation: 'relu' }),
      tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'valid', bias: b }),
      tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: b, activation: 'sigmoid' }),
      tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'valid', bias: b, activation: 'leakyrelu', leakyreluAlpha: 0.1 }),
    ];
  });
  Object.assign(thresholds, { nchwc: saved.nchwc, bandElements: saved.bandElements });
  assert.ok(err < TOL, `max rel error ${err}`);
});

test('NCHW-format conv2d matches cpu on the NCHWc path', async () => {
  const err = await compareEngines(() => {
    const x = rand([2, 16, 9, 11], 14) as tf.Tensor4D;
    const w = rand([3, 3, 16, 8], 15) as tf.Tensor4D;
    return [tf.conv2d(x, w, 1, 'same', 'NCHW'), tf.conv2d(tf.slice(x, [0, 0, 0, 0], [2, 3, 9, 11]) as tf.Tensor4D, tf.slice(w, [0, 0, 0, 0], [3, 3, 3, 8]) as tf.Tensor4D, 2, 'valid', 'NCHW')];
  });
  assert.ok(err < TOL, `max rel error ${err}`);
});

test('conv2dTranspose (synthesis upsampling) matches cpu', async () => {
  const err = await compareEngines(() => {
    const y = rand([2, 6, 5, 8], 7) as tf.Tensor4D;
    const w = rand([5, 5, 3, 8], 8) as tf.Tensor4D;
    return [tf.conv2dTranspose(y, w, [2, 12, 10, 3], 2, 'same'), tf.conv2dTranspose(y, w, [2, 11, 9, 3], 2, 'same')];
  });
  assert.ok(err < TOL, `max rel error ${err}`);
});

test('depthwise conv2d matches cpu', async () => {
  const err = await compareEngines(() => {
    const x = rand([2, 12, 10, 3], 9) as tf.Tensor4D;
    const w = rand([3, 3, 3, 2], 10) as tf.Tensor4D;
    return [tf.depthwiseConv2d(x, w, 1, 'same'), tf.depthwiseConv2d(x, w, 2, 'valid')];
  });
  assert.ok(err < TOL, `max rel error ${err}`);
});

test('batched matmul with transposes and batch broadcast matches cpu', async () => {
  const err = await compareEngines(() => {
    const a = rand([3, 7, 5], 11);
    const b = rand([3, 5, 9], 12);
    const bt = rand([1, 9, 5], 13);
    return [tf.matMul(a, b), tf.matMul(a, bt, false, true), tf.matMul(a.transpose([0, 2, 1]), b, true, false)];
  });
  assert.ok(err < TOL, `max rel error ${err}`);
});

test('a large convolution (1M-element input, blocked path) matches cpu: forward, input and filter gradients', async () => {
  const err = await compareEngines(() => {
    const x = rand([1, 256, 256, 16], 21) as tf.Tensor4D; // 1M elements, few channels: cheap on cpu
    const w = rand([3, 3, 16, 16], 22) as tf.Tensor4D;
    const y = tf.conv2d(x, w, 2, 'same');
    const dy = rand(y.shape, 23);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').mul(dy).sum())([x, w]);
    return [y, dx, dw];
  });
  assert.ok(err < TOL, `max rel error ${err}`);
});
