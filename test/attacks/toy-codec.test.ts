import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { BitstreamError } from '../../src/errors.js';
import { ToyCodec } from '../fixtures/toy-codec.js';
import { linf, testImage } from './helpers.js';

let codec: ToyCodec;
before(async () => {
  await initEngine({ engine: 'cpu' });
  codec = new ToyCodec();
});

test('toy codec: real decoding equals the rounding forward pass; bits respond to the input', async () => {
  const img = testImage(32, 32);
  const bytes = await codec.compress(img);
  const decoded = await codec.decompress(bytes);
  const x = tf.tensor4d(img.data, [1, 32, 32, 3]);
  const out = codec.forward(x, 'round');
  const xHat = Float32Array.from(tf.clipByValue(out.xHat, 0, 1).dataSync());
  assert.ok(linf(xHat, decoded.data) < 1e-5);
  const bits = (o: typeof out) => o.bits.y!.dataSync()[0]! + o.bits.z!.dataSync()[0]!;
  const noisy = tf.clipByValue(tf.add(x, tf.randomUniform(x.shape, -0.05, 0.05, 'float32', 1)), 0, 1) as tf.Tensor4D;
  const out2 = codec.forward(noisy, 'round');
  assert.notEqual(bits(out), bits(out2));
  const g = tf.grad((t: tf.Tensor) => codec.forward(t as tf.Tensor4D, 'ste').bits.y!)(x);
  assert.ok(tf.abs(g).sum().dataSync()[0]! > 0, 'rate has a gradient');
  await assert.rejects(codec.decompress(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), BitstreamError);
  tf.dispose([x, noisy, g, out.xHat, out2.xHat, ...Object.values(out.bits), ...Object.values(out2.bits)]);
});
