import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initEngine, tf } from '../../src/engine/index.js';
import { LearnedCodec } from '../../src/codec/learned-codec.js';
import { decodeContainer } from '../../src/codec/container.js';
import { BitstreamError } from '../../src/errors.js';
import { isDifferentiable } from '../../src/codec/types.js';
import type { RgbImage } from '../../src/image/types.js';
import { REF_DIR, readBytes, refNhwc, referenceIndex, maxAbsDiff } from './reference-data.js';

const ref = referenceIndex().models['bmshj2018-hyperprior-q1-tiny']!;
let codec: LearnedCodec;
let x: tf.Tensor4D;

before(async () => {
  await initEngine({ engine: process.env.ADVLIC_ENGINE === 'ort' ? 'ort' : 'cpu' });
  codec = await LearnedCodec.fromWeightsFile(join(REF_DIR, ref.weights), 1);
  x = refNhwc({ file: 'input.f32', shape: [1, 3, 64, 128] });
});

const toImage = (t: tf.Tensor4D): RgbImage => ({ width: t.shape[2], height: t.shape[1], data: t.dataSync() as Float32Array });

test('forward: bits per latent are Σ −log2 p, x̂ as CompressAI', () => {
  assert.ok(isDifferentiable(codec));
  assert.equal(codec.id, 'bmshj2018-hyperprior@1');
  tf.tidy(() => {
    const out = codec.forward(x, 'round');
    assert.ok(maxAbsDiff(out.xHat, refNhwc(ref.forward.x_hat)) < 1e-4);
    for (const k of ['y', 'z']) {
      const b = out.bits[k]!.dataSync()[0]!;
      const r = ref.forward.likelihoods[k]!.bits!;
      assert.ok(Math.abs(b - r) / r < 1e-4, `${k}: ${b} vs ${r}`);
    }
  });
});

test('forward pads any size to 64 and crops back, differentiably', () => {
  tf.tidy(() => {
    const small = tf.slice(x, [0, 3, 5, 0], [1, 50, 70, 3]) as tf.Tensor4D;
    const out = codec.forward(small, 'ste');
    assert.deepEqual(out.xHat.shape, [1, 50, 70, 3]);
    const g = tf.grad((v: tf.Tensor) => {
      const o = codec.forward(v as tf.Tensor4D, 'ste');
      return tf.add(o.bits.y!, o.bits.z!) as tf.Scalar;
    })(small);
    assert.deepEqual(g.shape, [1, 50, 70, 3]);
    assert.ok(tf.norm(g).dataSync()[0]! > 0);
  });
});

test('compress writes CompressAI’s streams in the container; decompress returns the round forward', async () => {
  const bytes = await codec.compress(toImage(x));
  const c = decodeContainer(bytes);
  assert.equal(c.width, 128);
  assert.equal(c.height, 64);
  c.streams.forEach((s, i) => assert.deepEqual(Buffer.from(s), Buffer.from(readBytes(ref.compress.string_files[i]![0]!))));
  const img = await codec.decompress(bytes);
  const dec = tf.tensor4d(img.data, [1, 64, 128, 3]);
  const e = maxAbsDiff(dec, refNhwc(ref.compress.decompress_x_hat));
  assert.ok(e < 1e-4, `decoded vs CompressAI decompress: ${e}`);
  dec.dispose();
});

test('an odd-sized image round-trips through the container like the round forward', async () => {
  const small = tf.slice(x, [0, 0, 0, 0], [1, 40, 90, 3]) as tf.Tensor4D;
  const bytes = await codec.compress(toImage(small));
  const img = await codec.decompress(bytes);
  assert.deepEqual([img.width, img.height], [90, 40]);
  const fwd = tf.tidy(() => tf.clipByValue(codec.forward(small, 'round').xHat, 0, 1));
  const dec = tf.tensor4d(img.data, [1, 40, 90, 3]);
  assert.ok(maxAbsDiff(dec, fwd) < 1e-5);
  tf.dispose([small, fwd, dec]);
});

test('decompress refuses a bitstream made with other weights', async () => {
  const bytes = await codec.compress(toImage(x));
  const other = new LearnedCodec(codec.model, { weightsHash: 'ab'.repeat(32), quality: 1 });
  await assert.rejects(other.decompress(bytes), BitstreamError);
});
