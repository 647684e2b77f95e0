import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { gdn, gdnPlain } from '../../src/engine/ops/gdn.js';
import { thresholds } from '../../src/engine/ort/thresholds.js';
import { ortRunCount } from '../../src/engine/ort/runtime.js';
import { compareEngines, rand } from './compare.js';

const saved = { ...thresholds };
before(() => Object.assign(thresholds, { convMacs: 0, matmulMacs: 0, elements: 0 }));
after(() => Object.assign(thresholds, saved));

function params(c: number, seed: number): { beta: tf.Tensor1D; gamma: tf.Tensor2D } {
  const beta = rand([c], seed, 0.5, 1.5) as tf.Tensor1D;
  // Asymmetric gamma: catches a transposed [Cout, Cin] layout.
  const gamma = tf.add(tf.mul(tf.eye(c), 0.1), rand([c, c], seed + 1, 0, 0.05)) as tf.Tensor2D;
  return { beta, gamma };
}

// 70 rows of 6 channels: one chunk, or (72 elements per chunk) five chunks of 12 rows and one of 10.
for (const [inverse, chunkElements] of [[false, 1 << 18], [true, 1 << 18], [false, 72], [true, 72]] as const) {
  test(`fused ${inverse ? 'IGDN' : 'GDN'} on ort equals plain ops on cpu: values and grads wrt x, beta, gamma (${chunkElements} elements per chunk)`, async () => {
    thresholds.chunkElements = chunkElements;
    const runs = ortRunCount();
    const err = await compareEngines(() => {
      const x = rand([2, 5, 7, 6], 3);
      const { beta, gamma } = params(6, 4);
      const dy = rand([2, 5, 7, 6], 9);
      const op = tf.getBackend() === 'ort' ? gdn : gdnPlain;
      const f = (a: tf.Tensor, b: tf.Tensor, g: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor1D, g as tf.Tensor2D, inverse), dy));
      return [op(x as tf.Tensor4D, beta, gamma, inverse), ...tf.grads(f)([x, beta, gamma])];
    });
    thresholds.chunkElements = saved.chunkElements;
    assert.ok(err < 1e-4, `max rel error ${err}`);
    assert.ok(ortRunCount() >= runs + (chunkElements < 100 ? 12 : 2), 'fused ORT kernels did not run (chunked)');
  });
}

test('gdn rejects mismatched parameter shapes', async () => {
  await initEngine({ engine: 'ort' });
  const x = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
  assert.throws(() => gdn(x, tf.ones([4]) as tf.Tensor1D, tf.eye(3) as tf.Tensor2D, false), /beta \[3\]/);
  x.dispose();
});

test('gradient of conv + GDN-like block (x / sqrt(beta + conv1x1(x²))) agrees between engines', async () => {
  const err = await compareEngines(() => {
    const x = rand([2, 12, 10, 3], 11) as tf.Tensor4D;
    const w = rand([5, 5, 3, 8], 12) as tf.Tensor4D;
    const g1 = tf.add(tf.mul(tf.eye(8), 0.1), rand([8, 8], 13, 0, 0.05)).reshape([1, 1, 8, 8]) as tf.Tensor4D;
    const beta = rand([8], 14, 0.5, 1.5);
    const f = (a: tf.Tensor, b: tf.Tensor, g: tf.Tensor, bb: tf.Tensor): tf.Scalar => {
      const h = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
      const n = tf.add(tf.conv2d(tf.square(h), g as tf.Tensor4D, 1, 'valid'), bb);
      return tf.mean(tf.square(tf.div(h, tf.sqrt(n))));
    };
    return tf.grads(f)([x, w, g1, beta]);
  });
  assert.ok(err < 1e-4, `max rel error ${err}`);
});

test('fused GDN: an input gradient alone runs no parameter-gradient kernel and leaks no tensor', async () => {
  await initEngine({ engine: 'ort' });
  const x = rand([1, 6, 5, 8], 21) as tf.Tensor4D;
  const { beta, gamma } = params(8, 22);
  const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.square(gdn(a as tf.Tensor4D, beta, gamma, false))));
  tf.tidy(() => grad(x)); // warm-up (sessions)
  const before = tf.memory().numTensors;
  const prof = await tf.profile(() => tf.tidy(() => grad(x)));
  tf.dispose(prof.result as tf.Tensor);
  assert.equal(tf.memory().numTensors, before);
  const names = new Set(prof.kernels.map((k) => k.name));
  assert.ok(names.has('AdvlicGdn') && names.has('AdvlicGdnDx'), [...names].join(','));
  assert.ok(!names.has('AdvlicGdnDbeta') && !names.has('AdvlicGdnDgamma'), [...names].join(','));
  // Without a tape, the forward makes its output only.
  const y = gdn(x, beta, gamma, true);
  assert.equal(tf.memory().numTensors, before + 1);
  tf.dispose([x, beta, gamma, y]);
});

test('fused GDN: parameter gradients of variables (training) match plain ops, no leaks', async () => {
  const err = await compareEngines(() => {
    const x = rand([2, 7, 6, 16], 31) as tf.Tensor4D;
    const p = params(16, 32);
    const beta = tf.variable(p.beta);
    const gamma = tf.variable(p.gamma);
    const op = tf.getBackend() === 'ort' ? gdn : gdnPlain;
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(tf.mul(op(op(x, beta as tf.Tensor1D, gamma as tf.Tensor2D, false), beta as tf.Tensor1D, gamma as tf.Tensor2D, true), x)),
    );
    const out = [value, grads[beta.name]!, grads[gamma.name]!].map((t) => t.clone());
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before + 3);
    tf.dispose([beta, gamma, p.beta, p.gamma]);
    return out;
  });
  assert.ok(err < 1e-4, `max rel error ${err}`);
});

test('fused GDN and IGDN on a 1M-element tensor equal plain ops on cpu: values and all gradients', async () => {
  const err = await compareEngines(() => {
    const x = rand([1, 128, 128, 64], 41);
    const { beta, gamma } = params(64, 42);
    const dy = rand([1, 128, 128, 64], 43);
    const op = tf.getBackend() === 'ort' ? gdn : gdnPlain;
    const outs: tf.Tensor[] = [];
    for (const inverse of [false, true]) {
      const f = (a: tf.Tensor, b: tf.Tensor, g: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor1D, g as tf.Tensor2D, inverse), dy));
      outs.push(op(x as tf.Tensor4D, beta, gamma, inverse), ...tf.grads(f)([x, beta, gamma]));
    }
    return outs;
  });
  assert.ok(err < 1e-4, `max rel error ${err}`);
});
