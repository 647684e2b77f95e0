import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { BitstreamError, ImageShapeError } from '../../src/errors.js';
import { JointAutoregressiveHierarchicalPriors } from '../../src/models/architectures/mbt2018.js';
import { Cheng2020Anchor } from '../../src/models/architectures/cheng2020-anchor.js';
import { Cheng2020Attention } from '../../src/models/architectures/cheng2020-attn.js';
import { withoutDerivableBuffers } from '../../src/models/weights/derivable.js';
import { configForQuality, createModel, inferConfigFromStateDict } from '../../src/models/registry.js';

before(async () => {
  await initEngine();
});

type ArModel = JointAutoregressiveHierarchicalPriors;

/** `last`: g_a's last conv, scaled so that y is not all zeros under random weights. */
const ARCHS: Array<{ name: string; make: (seed: number) => ArModel; N: number; M: number; last: string }> = [
  { name: 'mbt2018', make: (seed) => new JointAutoregressiveHierarchicalPriors(16, 24, { seed }), N: 16, M: 24, last: 'g_a.6' },
  { name: 'cheng2020-anchor', make: (seed) => new Cheng2020Anchor(16, { seed }), N: 16, M: 16, last: 'g_a.6' },
  { name: 'cheng2020-attn', make: (seed) => new Cheng2020Attention(16, { seed }), N: 16, M: 16, last: 'g_a.7' },
];

/**
 * Random weights give y ≈ 0 (nothing to code). Scale g_a's last conv so that y has RMS 3 on x,
 * and shift the predicted scales up by 3 so that they are of y's size, as a trained model's.
 */
function calibrate(model: ArModel, last: string, x: tf.Tensor4D): void {
  const rms = tf.tidy(() => Math.sqrt(tf.mean(tf.square(model.gA.apply(x))).dataSync()[0]!));
  const sd = model.stateDict();
  for (const p of ['weight', 'bias']) {
    const t = sd.get(`${last}.${p}`)!;
    t.data = (t.data as Float32Array).map((v) => (v * 3) / rms);
  }
  const b = sd.get('entropy_parameters.4.bias')!;
  b.data = (b.data as Float32Array).map((v, i) => (i < model.M ? v + 3 : v));
  model.loadStateDict(sd);
}

/** A smooth synthetic RGB image in [0,1] with some texture, [1, h, w, 3]. */
function image(h: number, w: number): tf.Tensor4D {
  const d = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        d[(y * w + x) * 3 + c] = 0.5 + 0.35 * Math.sin((x * (c + 1)) / 9 + y / 13) * Math.cos((y * (3 - c)) / 17 - x / 29);
  return tf.tensor4d(d, [1, h, w, 3]);
}

function bits(l: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.neg(tf.log(l))).dataSync()[0]! / Math.LN2);
}

for (const arch of ARCHS) {
  test(`${arch.name}: forward shapes, finite likelihoods in (0,1], differentiable`, () => {
    const model = arch.make(1);
    const x = image(64, 128);
    for (const mode of ['round', 'ste', 'noise'] as const) {
      const out = model.forward(x, mode);
      assert.deepEqual(out.xHat.shape, [1, 64, 128, 3]);
      assert.deepEqual(out.likelihoods.y!.shape, [1, 4, 8, arch.M]);
      assert.deepEqual(out.likelihoods.z!.shape, [1, 1, 2, arch.N]);
      const [lo, hi] = tf.tidy(() => [tf.min(out.likelihoods.y!).dataSync()[0]!, tf.max(out.likelihoods.y!).dataSync()[0]!]);
      assert.ok(lo! >= 1e-9 && hi! <= 1, `${mode}: y likelihoods in [${lo}, ${hi}]`);
      tf.dispose([out.xHat, out.likelihoods.y!, out.likelihoods.z!]);
    }
    // Gradient of the estimated rate w.r.t. the input under STE reaches the input.
    const g = tf.grad((t: tf.Tensor4D) => {
      const o = model.forward(t, 'ste');
      return tf.add(tf.sum(tf.neg(tf.log(o.likelihoods.y!))), tf.sum(tf.neg(tf.log(o.likelihoods.z!))));
    })(x);
    assert.ok(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!) > 0);
    tf.dispose([x, g]);
    model.dispose();
  });

  test(`${arch.name}: compress/decompress is exact, deterministic, near the estimated rate; corrupt streams refused`, () => {
    const model = arch.make(2);
    const x = image(128, 128);
    calibrate(model, arch.last, x);
    model.update();
    const enc = model.encode(x);
    const nonzero = enc.symbols.filter((v) => v !== 0).length;
    assert.ok(nonzero > enc.symbols.length / 2, `${nonzero} non-zero symbols`);
    const again = model.compress(x);
    assert.deepEqual(again.strings, enc.latents.strings, 'same bytes twice');
    assert.deepEqual(enc.latents.shape, [2, 2]);
    // The decoder rebuilds exactly the encoder's ŷ, and x̂ = clamp(g_s(ŷ)).
    const dec = model.decodeY(enc.latents);
    assert.deepEqual(dec.yHat, enc.yHat);
    const xHat = model.decompress(enc.latents);
    const ref = tf.tidy(() => tf.clipByValue(model.gS.apply(tf.tensor4d(enc.yHat, [1, 8, 8, arch.M])), 0, 1));
    assert.deepEqual(xHat.dataSync(), ref.dataSync());
    // Real bits vs the estimate from the serial (σ, μ): -log2 of the coded symbols' likelihoods.
    const M = arch.M;
    const gp = tf.tensor4d(enc.gaussianParams, [1, 8, 8, 2 * M]);
    const [scales, means] = tf.split(gp, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const yq = model.gaussianConditional.forward(tf.tensor4d(enc.yHat, [1, 8, 8, M]), scales, means, 'round');
    const fwd = model.forward(x, 'round');
    const estimated = bits(yq.likelihood) + bits(fwd.likelihoods.z!);
    const real = 8 * (enc.latents.strings[0]!.length + enc.latents.strings[1]!.length);
    assert.ok(Math.abs(real - estimated) <= 0.02 * estimated + 2 * 64, `real ${real} bits vs estimated ${estimated.toFixed(1)}`);
    // The serial coder computes the parallel context model's function: with ŷ known, the
    // masked conv + entropy_parameters on tensors give the same (σ, μ) at every position.
    const par = tf.tidy(() => {
      const zHat = model.entropyBottleneck.decompress([enc.latents.strings[1]!], enc.latents.shape);
      const { scales: s, means: m } = model.predictGaussian(model.hS.apply(zHat), tf.tensor4d(enc.yHat, [1, 8, 8, M]));
      return tf.concat([s, m], 3).dataSync();
    });
    let worst = 0;
    for (let i = 0; i < par.length; i++) worst = Math.max(worst, Math.abs(par[i]! - enc.gaussianParams[i]!) / (1 + Math.abs(par[i]!)));
    assert.ok(worst < 1e-5, `serial vs parallel (σ, μ): ${worst}`);
    // The serial coder's ŷ stays within 0.5 of y.
    const y = tf.tidy(() => model.gA.apply(x).dataSync());
    for (let i = 0; i < y.length; i++) assert.ok(Math.abs(enc.yHat[i]! - y[i]!) <= 0.5 + 1e-4);
    // Corruption: truncated or altered y streams are refused with a BitstreamError, promptly.
    const ys = enc.latents.strings[0]!;
    const cases = [ys.subarray(0, ys.length - 4), ys.map((b, i) => (i === 5 ? b ^ 0x5a : b)), new Uint8Array(ys.length).fill(7)];
    for (const bad of cases) {
      assert.throws(() => model.decompress({ strings: [bad, enc.latents.strings[1]!], shape: enc.latents.shape }), BitstreamError);
    }
    tf.dispose([x, xHat, ref, gp, scales, means, yq.yHat, yq.likelihood, fwd.xHat, fwd.likelihoods.y!, fwd.likelihoods.z!]);
    model.dispose();
  });

  test(`${arch.name}: stateDict() → loadStateDict() into another model gives identical outputs and bytes`, () => {
    const a = arch.make(3);
    const b = arch.make(4);
    a.update();
    const sd = a.stateDict();
    assert.equal(sd.get('context_prediction.mask')!.dtype, 'float32');
    assert.deepEqual(sd.get('context_prediction.weight')!.shape, [2 * arch.M, arch.M, 5, 5]);
    assert.deepEqual(sd.get('entropy_parameters.0.weight')!.shape, [Math.floor((arch.M * 10) / 3), 4 * arch.M, 1, 1]);
    assert.equal(sd.get('gaussian_conditional._quantized_cdf')!.dtype, 'int32');
    b.loadStateDict(sd);
    const x = image(64, 64);
    const oa = a.forward(x, 'round');
    const ob = b.forward(x, 'round');
    assert.deepEqual(ob.xHat.dataSync(), oa.xHat.dataSync());
    assert.deepEqual(ob.likelihoods.y!.dataSync(), oa.likelihoods.y!.dataSync());
    assert.deepEqual(b.compress(x).strings, a.compress(x).strings);
    // Slim weight files drop the mask and the Gaussian conditional's tables: a model rebuilds
    // them exactly, so a slim load codes the same bytes.
    const slim = withoutDerivableBuffers(sd);
    assert.ok(!slim.has('context_prediction.mask') && !slim.has('gaussian_conditional._quantized_cdf') && !slim.has('gaussian_conditional.scale_table'));
    const c = arch.make(5);
    c.loadStateDict(slim);
    c.update();
    assert.deepEqual(c.compress(x).strings, a.compress(x).strings);
    c.dispose();
    tf.dispose([x, oa.xHat, ob.xHat, oa.likelihoods.y!, ob.likelihoods.y!, oa.likelihoods.z!, ob.likelihoods.z!]);
    a.dispose();
    b.dispose();
  });
}

test('cheng2020 state-dict keys follow CompressAI (subpel convs, attention units, skip convs)', () => {
  const anchor = new Cheng2020Anchor(8, { seed: 1 });
  const attn = new Cheng2020Attention(8, { seed: 1 });
  const ka = [...anchor.stateDict().keys()];
  const kb = [...attn.stateDict().keys()];
  for (const k of ['g_a.0.skip.weight', 'g_a.6.weight', 'g_s.7.0.weight', 'h_s.2.0.weight', 'h_s.6.0.bias', 'h_s.8.weight', 'h_a.8.weight', 'context_prediction.mask'])
    assert.ok(ka.includes(k), k);
  for (const k of ['g_a.3.conv_a.0.conv.0.weight', 'g_a.8.conv_b.3.weight', 'g_s.0.conv_b.3.bias', 'g_s.5.conv_a.2.conv.4.weight', 'g_s.9.0.weight', 'g_a.7.weight'])
    assert.ok(kb.includes(k), k);
  assert.ok(!ka.some((k) => k.includes('conv_a')));
  assert.deepEqual(anchor.stateDict().get('h_s.8.weight')!.shape, [16, 12, 3, 3]);
  anchor.dispose();
  attn.dispose();
});

test('registry: creates the autoregressive models and infers them back from their state dicts', () => {
  for (const [arch, N, M] of [
    ['mbt2018', 8, 12],
    ['cheng2020-anchor', 8, 8],
    ['cheng2020-attn', 8, 8],
  ] as const) {
    const model = createModel({ arch, N, M }, { seed: 1 });
    assert.ok(model instanceof JointAutoregressiveHierarchicalPriors);
    assert.deepEqual(model.config, { arch, N, M });
    assert.deepEqual(inferConfigFromStateDict(model.stateDict()), { arch, N, M });
    model.dispose();
  }
  assert.deepEqual(configForQuality('mbt2018', 5), { arch: 'mbt2018', N: 192, M: 320 });
});

test('mbt2018: compress refuses sizes that are not multiples of 64 and batches; decompress refuses a missing string', () => {
  const model = new JointAutoregressiveHierarchicalPriors(8, 8, { seed: 5 });
  model.update();
  const odd = image(96, 64);
  assert.throws(() => model.compress(odd), ImageShapeError);
  const batch = tf.concat([image(64, 64), image(64, 64)]) as tf.Tensor4D;
  assert.throws(() => model.compress(batch), ImageShapeError);
  const ok = model.compress(image(64, 64));
  assert.throws(() => model.decompress({ strings: [ok.strings[1]!], shape: ok.shape }), BitstreamError);
  tf.dispose([odd, batch]);
  model.dispose();
});
