import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { initEngine, tf } from '../../src/engine/index.js';
import { ImageShapeError } from '../../src/errors.js';
import { readImage } from '../../src/image/read.js';
import { imageToTensor } from '../../src/image/tensor.js';
import { mse, psnr } from '../../src/metrics/psnr.js';
import { l2, linf, perturbation, perturbationPsnr } from '../../src/metrics/perturbation.js';
import { bitsFromLikelihoods, bppFromBits, bppFromBytes } from '../../src/metrics/bpp.js';
import { bppRatio, relativePsnrDrop } from '../../src/metrics/relative.js';
import { SHARED_DIR } from '../../src/shared-data.js';

before(async () => {
  await initEngine({ engine: 'cpu' });
});

const flat = (w: number, h: number, v: number) => ({ width: w, height: h, data: new Float32Array(w * h * 3).fill(v) });

test('PSNR known values: one 8-bit level everywhere is 48.13 dB; identical images are Infinity', () => {
  const a = flat(4, 4, 100 / 255);
  const b = flat(4, 4, 101 / 255);
  assert.ok(Math.abs(psnr(a, b) - 20 * Math.log10(255)) < 1e-9);
  assert.ok(Math.abs(psnr(a, b) - 48.1308036) < 1e-6);
  assert.equal(psnr(a, a), Infinity);
  // Half the values off by 0.5 (unrounded): MSE 0.125 → 9.03 dB.
  const c = flat(2, 2, 0);
  const d = { ...c, data: Float32Array.from(c.data, (_, i) => (i % 2 ? 0.5 : 0)) };
  assert.ok(Math.abs(psnr(c, d, { round8: false }) - 10 * Math.log10(8)) < 1e-9);
  assert.equal(mse(c, d), 0.125);
  // Rounded, 0.5 becomes level 128: MSE (128/255)² / 2.
  assert.ok(Math.abs(mse(c, d, { round8: true }) - (128 / 255) ** 2 / 2) < 1e-12);
  // Peak 255 for data in 0..255 units: same dB as peak 1 on [0,1].
  const big = (img: typeof c) => ({ ...img, data: img.data.map((v) => v * 255) });
  assert.ok(Math.abs(psnr(big(c), big(d), { peak: 255, round8: false }) - psnr(c, d, { round8: false })) < 1e-9);
});

test('PSNR rounds to 8 bits first: sub-level differences vanish, and tensors work like images', () => {
  const a = flat(3, 3, 0.5);
  const b = flat(3, 3, 0.5 + 0.3 / 255);
  assert.equal(psnr(a, b), Infinity);
  assert.ok(psnr(a, b, { round8: false }) > 50);
  const ta = imageToTensor(a);
  const tb = imageToTensor(flat(3, 3, 0.6));
  assert.ok(Math.abs(psnr(ta, tb) - psnr(a, flat(3, 3, 0.6))) < 1e-12);
  assert.throws(() => psnr(a, flat(3, 4, 0.5)), (e: Error) => e instanceof ImageShapeError && /3x3 vs 3x4/.test(e.message));
  tf.dispose([ta, tb]);
});

const REF = `${SHARED_DIR}/reference/compressai`;
test('PSNR and estimated bits agree with CompressAI on its reference (hyperprior tiny)', { skip: !existsSync(`${REF}/reference.json`) && 'reference data not present' }, async () => {
  // reference.json writes Python's Infinity; 1e999 is how JSON spells it.
  const ref = JSON.parse((await readFile(`${REF}/reference.json`, 'utf8')).replace(/\bInfinity\b/g, '1e999'));
  const model = ref.models['bmshj2018-hyperprior-q1-tiny'];
  const f32 = async (file: string) => {
    const b = await readFile(`${REF}/${file}`);
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  };
  const input = await readImage(`${REF}/input.png`);
  // CompressAI's PSNR is on float tensors (no 8-bit rounding); layout does not matter for MSE
  // as long as both are NCHW, so compare the two NCHW files directly.
  const x = await f32('input.f32');
  const xHat = await f32(model.compress.decompress_x_hat.file);
  const asImg = (data: Float32Array) => ({ width: input.width, height: input.height, data });
  assert.ok(Math.abs(psnr(asImg(x), asImg(xHat), { round8: false }) - model.compress.psnr_dec_vs_input) < 1e-4);
  const ly = tf.tensor(await f32(model.forward.likelihoods.y.file));
  const lz = tf.tensor(await f32(model.forward.likelihoods.z.file));
  const bitsY = bitsFromLikelihoods(ly);
  assert.ok(Math.abs(bitsY.dataSync()[0]! - model.forward.likelihoods.y.bits) / model.forward.likelihoods.y.bits < 1e-5);
  const bits = bitsFromLikelihoods([ly, lz]);
  const total = bits.dataSync()[0]!;
  assert.ok(Math.abs(total - model.forward.total_bits) / model.forward.total_bits < 1e-5);
  assert.ok(Math.abs(bppFromBits(total, 128, 64) - model.forward.bpp) < 1e-5);
  assert.equal(bppFromBytes(model.compress.total_bytes, 128, 64), model.compress.bpp);
  tf.dispose([ly, lz, bitsY, bits]);
});

test('bitsFromLikelihoods is differentiable: d/dl Σ −log2 l = −1 / (l ln 2)', () => {
  const l = tf.tensor1d([0.5, 0.25, 1]);
  const bits = bitsFromLikelihoods(l);
  assert.ok(Math.abs(bits.dataSync()[0]! - 3) < 1e-6);
  const g = tf.grad((v: tf.Tensor) => bitsFromLikelihoods(v))(l).dataSync();
  [0.5, 0.25, 1].forEach((p, i) => assert.ok(Math.abs(g[i]! + 1 / (p * Math.LN2)) < 1e-5));
  assert.equal(bppFromBytes(new Uint8Array(12), 4, 6), 4);
  assert.throws(() => bppFromBits(1, 0, 5), RangeError);
  l.dispose();
  bits.dispose();
});

test('perturbation norms in [0,1] units over all pixels, and perturbation PSNR on 8-bit images', () => {
  const x = flat(4, 4, 100 / 255);
  const xAdv = { ...x, data: Float32Array.from(x.data, (v, i) => (i === 5 ? v - 8 / 255 : i % 2 ? v + 2 / 255 : v)) };
  const d = perturbation(x, xAdv);
  const delta = { width: 4, height: 4, data: d };
  assert.ok(Math.abs(linf(delta) - 8 / 255) < 1e-6);
  // 23 entries at +2/255 (odd indices except 5) and one at −8/255.
  assert.ok(Math.abs(l2(delta) - Math.sqrt(23 * 4 + 64) / 255) < 1e-6);
  const expectedMse = (23 * 4 + 64) / (48 * 255 * 255);
  assert.ok(Math.abs(perturbationPsnr(x, xAdv) - 10 * Math.log10(1 / expectedMse)) < 1e-4);
  const t = tf.tensor4d(d, [1, 4, 4, 3]);
  assert.equal(linf(t), linf(delta));
  t.dispose();
});

test('relative PSNR drop and bpp ratio (DESIGN §6)', () => {
  assert.equal(relativePsnrDrop(30, 24), 0.2);
  assert.equal(relativePsnrDrop(30, 33), -0.1);
  assert.equal(relativePsnrDrop(Infinity, 40), 1);
  assert.equal(relativePsnrDrop(Infinity, Infinity), 0);
  assert.equal(bppRatio(0.5, 1.25), 2.5);
  assert.equal(bppRatio(0, 1), Infinity);
});
