import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { initEngine, tf } from '../../src/engine/index.js';
import { LearnedCodec } from '../../src/codec/learned-codec.js';
import { decodeContainer } from '../../src/codec/container.js';
import { imageToTensor, tensorToImage } from '../../src/image/tensor.js';
import { applyPlacement, invertPlacement } from '../../src/defenses/placement.js';
import { createDefence } from '../../src/defenses/registry.js';
import { parseDefenceSpec, resolveDefendedCodec } from '../../src/defenses/resolve.js';
import { jpegRoundTrip } from '../../src/defenses/jpeg-core.js';
import { ToyCodec } from '../fixtures/toy-codec.js';
import { testImage } from '../attacks/helpers.js';
import { SHARED_DIR } from '../../src/shared-data.js';

const CKPT = `${SHARED_DIR}/reference/compressai/bmshj2018-hyperprior-q1-tiny.pth.tar`;
const skip = !existsSync(CKPT) && `missing ${CKPT}`;
let codec: LearnedCodec;
before(async () => {
  await initEngine();
  if (!skip) codec = await LearnedCodec.fromWeightsFile(CKPT, 1);
});

test('placements: all 8 symmetries with circular shifts invert exactly on a non-square image', () => {
  const x = tf.randomUniform([1, 5, 7, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  for (let d = 0; d < 8; d++) {
    const p = { d, dy: d % 3, dx: (2 * d) % 5 };
    const y = applyPlacement(x, p);
    assert.deepEqual(y.shape.slice(1, 3), d & 4 ? [7, 5] : [5, 7]);
    const back = invertPlacement(y, p);
    assert.deepEqual(Array.from(back.dataSync()), Array.from(x.dataSync()), `d=${d}`);
    tf.dispose([y, back]);
  }
  x.dispose();
});

for (const name of ['selfensemble', 'twoway'] as const) {
  test(`${name}: decodes to the undefended path's decoding of the chosen transform, inverted (non-square 48x80)`, { skip }, async () => {
    const img = testImage(80, 48, 1);
    const d = createDefence(name, codec, { seed: 5 });
    assert.equal(d.id, `${name}(${codec.id})`);
    const bytes = await d.compress(img);
    const tag = (decodeContainer(bytes).extras as Record<string, [number, number, number]>)[name === 'selfensemble' ? 'se' : 'tw']!;
    assert.equal(tag.length, 3);
    const extras = { transform: { d: tag[0], dy: tag[1], dx: tag[2] } };
    const decoded = await d.decompress(bytes);
    // Undefended path on the transformed image, inverted by hand.
    const t = applyPlacement(imageToTensor(img), extras.transform);
    const ref = await codec.decompress(await codec.compress(await tensorToImage(t)));
    const inv = invertPlacement(imageToTensor(ref), extras.transform);
    assert.deepEqual(Array.from(decoded.data), Array.from(inv.dataSync()));
    assert.equal(decoded.width, 80);
    assert.equal(decoded.height, 48);
    tf.dispose([t, inv]);
    const plainBytes = await codec.compress(img);
    await assert.rejects(() => d.decompress(plainBytes), /not written by/);
  });
}

test('jpeg core: close to a real JPEG codec round trip (sharp, q75 4:2:0)', async () => {
  const sharp = (await import('sharp')).default;
  const img = testImage(64, 48, 3);
  const raw = Buffer.from(img.data.map((v) => Math.round(v * 255)));
  const jpg = await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).jpeg({ quality: 75 }).toBuffer();
  const dec = await sharp(jpg).raw().toBuffer();
  const ours = jpegRoundTrip(img.data, 48, 64, { quality: 75, subsample: true });
  let se = 0, seIn = 0;
  for (let i = 0; i < ours.length; i++) {
    se += (ours[i]! - dec[i]! / 255) ** 2;
    seIn += (img.data[i]! - dec[i]! / 255) ** 2;
  }
  const psnr = -10 * Math.log10(se / ours.length);
  const psnrIn = -10 * Math.log10(seIn / ours.length);
  assert.ok(psnr > psnrIn + 3, `ours vs libjpeg ${psnr.toFixed(2)} dB should beat input vs libjpeg ${psnrIn.toFixed(2)} dB`);
});

test('BPDA: the adaptive gradient through bit-depth reduction is the inner gradient at the reduced image; naive is at x', () => {
  const toy = new ToyCodec();
  const x = imageToTensor(testImage(16, 16, 0));
  const d = createDefence('bitdepth', toy, { bits: 2 });
  const loss = (c: { forward: typeof toy.forward }) => (v: tf.Tensor4D) => tf.mean(tf.square(c.forward(v, 'ste').xHat)) as tf.Scalar;
  const gAdaptive = tf.grad(loss(d))(x);
  const q = tf.div(tf.round(tf.mul(x, 3)), 3) as tf.Tensor4D;
  const gAtQ = tf.grad(loss(toy))(q);
  assert.ok(tf.max(tf.abs(tf.sub(gAdaptive, gAtQ))).dataSync()[0]! < 1e-6);
  d.gradientMode = 'naive';
  const gNaive = tf.grad(loss(d))(x);
  const gAtX = tf.grad(loss(toy))(x);
  assert.ok(tf.max(tf.abs(tf.sub(gNaive, gAtX))).dataSync()[0]! < 1e-6);
  assert.ok(tf.max(tf.abs(tf.sub(gNaive, gAdaptive))).dataSync()[0]! > 1e-4, 'naive and adaptive gradients must differ');
  tf.dispose([x, q, gAdaptive, gAtQ, gNaive, gAtX]);
});

test('EOT: the noise defence averages K fresh seeded samples (reproducible per seed, bits averaged)', () => {
  const toy = new ToyCodec();
  const x = imageToTensor(testImage(16, 16, 0));
  const a = createDefence('noise', toy, { sigma: 0.2, eot: 4, seed: 9 });
  const b = createDefence('noise', toy, { sigma: 0.2, eot: 4, seed: 9 });
  const oa = a.forward(x, 'ste');
  const ob = b.forward(x, 'ste');
  assert.deepEqual(oa.xHat.shape, [4, 16, 16, 3]);
  assert.deepEqual(Array.from(oa.xHat.dataSync()), Array.from(ob.xHat.dataSync()));
  const s = oa.xHat.dataSync();
  const n = 16 * 16 * 3;
  assert.ok(s.slice(0, n).some((v, i) => v !== s[n + i]), 'samples must differ');
  const plain = toy.forward(x, 'ste');
  // Inference ('round') is one defended sample, whatever the mode: estimated rates stay honest.
  a.gradientMode = 'naive';
  const r = a.forward(x, 'round');
  assert.deepEqual(r.xHat.shape, [1, 16, 16, 3]);
  tf.dispose([r.xHat, ...Object.values(r.bits)]);
  const ratio = (Object.values(oa.bits)[0]!.dataSync()[0]!) / (Object.values(plain.bits)[0]!.dataSync()[0]!);
  assert.ok(ratio > 0.5 && ratio < 5, `averaged bits are per sample (ratio ${ratio})`);
  tf.dispose([x, oa.xHat, ob.xHat, plain.xHat, ...Object.values(oa.bits), ...Object.values(ob.bits), ...Object.values(plain.bits)]);
});

test('resolveDefendedCodec parses DEFENCE[:k=v,...]+MODEL and rejects unknown names and options', { skip }, async () => {
  assert.deepEqual(parseDefenceSpec('noise:sigma=8/255,eot=2'), { name: 'noise', options: { sigma: 8 / 255, eot: 2 } });
  const c = await resolveDefendedCodec(`jpeg:quality=50+blur+${CKPT}`);
  assert.match(c.id, /^jpeg:quality=50\(blur\(bmshj2018-hyperprior@[^()]+\)\)$/);
  c.dispose?.();
  const naive = await resolveDefendedCodec(`selfensemble:mode=0,lambda=0.0018+${CKPT}`);
  assert.equal((naive as unknown as { gradientMode: string }).gradientMode, 'naive');
  assert.match(naive.id, /^selfensemble:mode=0\(/);
  naive.dispose?.();
  await assert.rejects(() => resolveDefendedCodec(`fog+${CKPT}`), /unknown defence 'fog'/);
  await assert.rejects(() => resolveDefendedCodec(`blur:radius=2+${CKPT}`), /unknown option 'radius'/);
});

test('resolveCodec delegates specs with "+" to the defence resolver', { skip }, async () => {
  const { resolveCodec } = await import('../../src/codec/resolve.js');
  const c = await resolveCodec(`bitdepth:bits=3+${CKPT}`);
  assert.equal(c.kind, 'defended');
  assert.match(c.id, /^bitdepth:bits=3\(/);
  c.dispose?.();
});

test('no tensor leaks: gradient through every defence (adaptive and naive) and real coding', { skip }, async () => {
  const x = imageToTensor(testImage(64, 64, 4));
  // Warm-up: the first real coding builds the model's persistent CDF tables.
  await codec.decompress(await codec.compress(testImage(64, 64, 4)));
  tf.grad((v: tf.Tensor) => tf.mean(codec.forward(v as tf.Tensor4D, 'ste').xHat) as tf.Scalar)(x).dispose();
  const specs: Array<[string, Record<string, number>]> = [
    ['jpeg', {}], ['blur', {}], ['noise', { eot: 2 }], ['bitdepth', {}], ['resize', {}], ['selfensemble', {}], ['twoway', { eot: 2 }],
  ];
  for (const [name, o] of specs) {
    const d = createDefence(name, codec, o);
    for (const mode of ['adaptive', 'naive'] as const) {
      d.gradientMode = mode;
      const before = tf.memory().numTensors;
      const g = tf.grad((v: tf.Tensor) => {
        const out = d.forward(v as tf.Tensor4D, 'ste');
        return tf.add(tf.mean(tf.square(out.xHat)), tf.addN(Object.values(out.bits))) as tf.Scalar;
      })(x);
      assert.ok(Number.isFinite(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!)), `${name} ${mode}: finite gradient`);
      g.dispose();
      await d.decompress(await d.compress(testImage(64, 64, 4)));
      assert.equal(tf.memory().numTensors, before, `${name} ${mode} leaks tensors`);
    }
  }
  x.dispose();
});
