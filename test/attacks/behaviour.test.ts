import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';
import { ConfigError, ImageShapeError } from '../../src/errors.js';
import { createAttack } from '../../src/attacks/registry.js';
import { buildObjective } from '../../src/attacks/objectives.js';
import { attackAndEvaluate, attackAndEvaluateBudgets } from '../../src/attacks/attack-and-evaluate.js';
import { Rng } from '../../src/attacks/rng.js';
import type { Codec } from '../../src/codec/types.js';
import type { RgbImage } from '../../src/image/types.js';
import { ToyCodec } from '../fixtures/toy-codec.js';
import { mse, testImage } from './helpers.js';

const LINF = { norm: 'linf', eps: 8 / 255 } as const;

describe('attacks: targets, seeds, options', () => {
  let codec: ToyCodec;
  const img = testImage(32, 32, 0);
  const target = testImage(32, 32, 7);
  const decode = async (x: RgbImage) => codec.decompress(await codec.compress(x));
  before(async () => {
    await initEngine({ engine: 'cpu' });
    codec = new ToyCodec();
  });

  test('targeted PGD moves the real reconstruction toward the target', async () => {
    const { adversarial } = await attackAndEvaluate(codec, img, { method: 'pgd', options: { steps: 10 }, goal: { goal: 'targeted', target }, budget: LINF, seed: 0 });
    const before = mse((await decode(img)).data, target.data);
    const after = mse((await decode(adversarial)).data, target.data);
    assert.ok(after < before * 0.97, `MSE to target ${before} → ${after}`);
  });

  test('a region-of-interest mask concentrates the effect inside the region', async () => {
    const mask = new Float32Array(32 * 32);
    for (let i = 0; i < 32; i++) for (let j = 0; j < 16; j++) mask[i * 32 + j] = 1; // left half
    const { adversarial } = await attackAndEvaluate(codec, img, { method: 'pgd', options: { steps: 10 }, goal: { goal: 'targeted', target, mask }, budget: LINF, seed: 0 });
    const clean = await decode(img);
    const adv = await decode(adversarial);
    const gain = (half: 0 | 1) => {
      const pick = (d: Float32Array) => d.filter((_, k) => (Math.floor(k / 3) % 32 < 16 ? 0 : 1) === half);
      return mse(pick(clean.data), pick(target.data)) - mse(pick(adv.data), pick(target.data));
    };
    assert.ok(gain(0) > 0, `inside gain ${gain(0)}`);
    assert.ok(gain(0) > gain(1), `inside ${gain(0)} vs outside ${gain(1)}`);
  });

  test('the same seed gives identical results; another seed differs', async () => {
    for (const [method, options] of [['pgd', { steps: 2 }], ['noise', {}], ['square', { queries: 5 }]] as const) {
      const run = (seed: number) => createAttack(method, options).run(codec, img, buildObjective({ goal: 'rate' }), LINF, { seed });
      const [a, b, c] = [await run(5), await run(5), await run(6)];
      assert.deepEqual(a.adversarial.data, b.adversarial.data, `${method}: same seed`);
      assert.notDeepEqual(a.adversarial.data, c.adversarial.data, `${method}: other seed`);
    }
  });

  test('no attack leaks tensors; progress reports iteration, loss, PSNR and bpp', async () => {
    const obj = buildObjective({ goal: 'distortion' });
    const runs: Array<[string, Record<string, unknown>]> = [
      ['pgd', { steps: 2, restarts: 2 }],
      ['mifgsm', { steps: 2 }],
      ['cw', { steps: 2, binarySteps: 2 }],
      ['chen-ma', { steps: 2 }],
      ['square', { queries: 3 }],
      ['noise', {}],
    ];
    for (const [name, options] of runs) {
      const before = tf.memory().numTensors;
      const seen: Array<{ iteration: number; total: number; loss: number; psnr?: number; bpp?: number }> = [];
      await createAttack(name, options).run(codec, img, obj, LINF, { onProgress: (p) => seen.push(p) });
      assert.equal(tf.memory().numTensors, before, `${name} leaked tensors`);
      assert.ok(seen.length >= 1, `${name} reported progress`);
      const last = seen[seen.length - 1]!;
      assert.equal(last.iteration, last.total, `${name} ends at its total`);
      assert.ok(Number.isFinite(last.loss) && last.psnr! > 0 && last.bpp! > 0, `${name}: ${JSON.stringify(last)}`);
    }
  });

  test('a budget sweep codes the clean image once and grows with ε', async () => {
    const budgets = [2, 4, 8].map((k) => ({ norm: 'linf', eps: k / 255 }) as const);
    const runs = await attackAndEvaluateBudgets(codec, img, { method: 'fgsm', goal: { goal: 'rate' } }, budgets);
    assert.deepEqual(runs.map((r) => r.result.perturbation.linf255), [2, 4, 8]);
    assert.ok(runs[1]!.reconstructions.clean === undefined, 'clean coded only once');
    assert.deepEqual(runs[2]!.result.clean, runs[0]!.result.clean);
    assert.ok(runs[2]!.result.bppRatio > runs[0]!.result.bppRatio);
  });

  test('the Rng is deterministic and uniform enough', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05);
    assert.notEqual(new Rng(1).next(), new Rng(2).next());
  });

  test('bad options are rejected with the field named', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['pgd', { steps: -1 }, /pgd.*'steps'/],
      ['pgd', { stepz: 3 }, /pgd.*unknown option 'stepz'/],
      ['mifgsm', { decay: -1 }, /'decay'/],
      ['cw', { lr: 0 }, /'lr'/],
      ['square', { oracle: 'magic' }, /'oracle'/],
      ['noise', { distribution: 'laplace' }, /'distribution'/],
      ['fgsm', { steps: 3 }, /unknown option 'steps'/],
      ['no-such-attack', {}, /unknown attack 'no-such-attack'.*pgd/],
    ];
    for (const [name, options, re] of cases) assert.throws(() => createAttack(name, options), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  });

  test('bad goals, budgets, seeds and inputs are rejected before any work', async () => {
    assert.throws(() => buildObjective({ goal: 'distortion', metric: 'ssim' as 'mse' }), /goal\.metric/);
    assert.throws(() => buildObjective([{ goal: 'rate' }, { goal: 'rd', lambda: -1 }]), /goal\[1\]\.lambda/);
    assert.throws(() => buildObjective({ goal: 'targeted', target, mask: new Float32Array(3) }), /mask/);
    const pgd = createAttack('pgd', { steps: 1 });
    const obj = buildObjective({ goal: 'rate' });
    await assert.rejects(pgd.run(codec, img, obj, { norm: 'linf', eps: 0 }), (e: unknown) => e instanceof ConfigError && /budget\.eps/.test(e.message));
    await assert.rejects(pgd.run(codec, img, obj, { norm: 'psnr', minPsnr: -3 }), /budget\.minPsnr/);
    await assert.rejects(pgd.run(codec, img, obj, LINF, { seed: 1.5 }), /seed/);
    const bad = { ...img, data: img.data.map((v) => v * 2) };
    await assert.rejects(pgd.run(codec, bad, obj, LINF), (e: unknown) => e instanceof ImageShapeError && /\[0,1\]/.test(e.message));
    const blackBoxOnly: Codec = { id: 'bytes-only', kind: 'classical', compress: (x) => codec.compress(x), decompress: (b) => codec.decompress(b) };
    await assert.rejects(pgd.run(blackBoxOnly, img, obj, LINF), (e: unknown) => e instanceof ConfigError && /white-box/.test(e.message));
    // ...while black-box attacks work on it, through real compress/decompress queries.
    const out = await createAttack('square', { queries: 3 }).run(blackBoxOnly, img, obj, LINF);
    assert.equal(out.counts.codecQueries, 3);
    const { result } = await attackAndEvaluate(blackBoxOnly, img, { method: 'noise', goal: { goal: 'rate' }, budget: LINF });
    assert.equal(result.attacked.bppEstimated, null, 'no estimate without a forward pass');
    assert.equal(result.bppEstimatedRatio, null);
    assert.equal(result.weightsHash, null);
    assert.ok(result.attacked.bppReal > 0);
  });

  test('objectives: values on known cases', () => {
    const x = tf.tensor4d(img.data, [1, 32, 32, 3]);
    const shifted = tf.add(x, 0.1) as tf.Tensor4D;
    const fakeOut = { xHat: shifted, bits: { y: tf.scalar(1024), z: tf.scalar(512) } };
    const val = (g: Parameters<typeof buildObjective>[0]) => buildObjective(g).evaluate(fakeOut, x, x).dataSync()[0]!;
    const clipped = mse(Float32Array.from(tf.clipByValue(shifted, 0, 1).dataSync()), img.data);
    assert.ok(Math.abs(val({ goal: 'distortion' }) - clipped) < 1e-6);
    assert.ok(Math.abs(val({ goal: 'distortion', metric: 'psnr' }) - 10 * Math.log10(clipped)) < 1e-3);
    assert.ok(Math.abs(val({ goal: 'rate' }) - 1.5) < 1e-6, 'bpp = (1024 + 512) / 1024');
    assert.ok(Math.abs(val([{ goal: 'rate', weight: 2 }, { goal: 'distortion', weight: -1 }]) - (3 - clipped)) < 1e-6);
    const same = { xHat: x, bits: {} };
    assert.ok(Math.abs(buildObjective({ goal: 'ms-ssim' }).evaluate(same, x, x).dataSync()[0]!) < 1e-5, '1 - MS-SSIM(x, x) = 0');
    assert.ok(val({ goal: 'ms-ssim' }) > 0.001);
    tf.dispose([x, shifted, fakeOut.bits.y, fakeOut.bits.z]);
  });
});
