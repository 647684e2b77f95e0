import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { ATTACKS } from '../../src/attacks/registry.js';
import { attackAndEvaluate, type AttackResult } from '../../src/attacks/attack-and-evaluate.js';
import type { GoalSpec } from '../../src/attacks/objectives.js';
import type { Budget } from '../../src/attacks/types.js';
import { ToyCodec } from '../fixtures/toy-codec.js';
import { testImage } from './helpers.js';

/**
 * The registry contract (torchattacks' test_atks): on the toy codec, every white-box attack
 * hurts more than noise of the same budget — lower real PSNR for the distortion goal, higher
 * real bpp for the rate goal — judged by the honest evaluation (8-bit image, real coding).
 */
const SHORT: Record<string, Record<string, unknown>> = {
  cw: { steps: 15, binarySteps: 2, initialConst: 10 },
  'chen-ma': { steps: 15, lr: 0.005 },
};
const BUDGET: Record<string, Budget> = {
  cw: { norm: 'psnr', minPsnr: 35 },
  'chen-ma': { norm: 'psnr', minPsnr: 35 },
};
const LINF: Budget = { norm: 'linf', eps: 8 / 255 };

describe('contract: white-box attacks beat noise of the same budget', () => {
  let codec: ToyCodec;
  const img = testImage(48, 48, 1);
  const noise = new Map<string, AttackResult>();
  const noiseFor = async (budget: Budget, goal: GoalSpec): Promise<AttackResult> => {
    const key = JSON.stringify([budget, goal]);
    if (!noise.has(key)) noise.set(key, (await attackAndEvaluate(codec, img, { method: 'noise', goal, budget, seed: 1 })).result);
    return noise.get(key)!;
  };
  before(async () => {
    await initEngine({ engine: 'cpu' });
    codec = new ToyCodec();
  });

  for (const entry of ATTACKS.filter((a) => a.kind === 'white-box')) {
    const budget = BUDGET[entry.name] ?? LINF;
    test(`${entry.name}: distortion goal lowers real PSNR more than noise`, async () => {
      const goal: GoalSpec = { goal: 'distortion', metric: 'psnr' };
      const base = await noiseFor(budget, goal);
      const { result } = await attackAndEvaluate(codec, img, { method: entry.name, options: SHORT[entry.name] ?? {}, goal, budget, seed: 1 });
      assert.ok(result.attacked.psnr! < base.attacked.psnr! - 0.05, `${entry.name} PSNR ${result.attacked.psnr} vs noise ${base.attacked.psnr}`);
      assert.ok(result.psnrDropRel! > 0);
      assert.ok(result.counts.backward >= 1, 'used gradients');
    });
    test(`${entry.name}: rate goal raises real bpp more than noise`, async () => {
      const goal: GoalSpec = { goal: 'rate' };
      const base = await noiseFor(budget, goal);
      const { result } = await attackAndEvaluate(codec, img, { method: entry.name, options: SHORT[entry.name] ?? {}, goal, budget, seed: 1 });
      assert.ok(result.bppRatio > base.bppRatio + 0.02, `${entry.name} bpp ratio ${result.bppRatio} vs noise ${base.bppRatio}`);
      assert.ok(result.bppEstimatedRatio! > base.bppEstimatedRatio!);
    });
  }

  test('square (black-box, real codec queries) raises bpp more than noise', async () => {
    const goal: GoalSpec = { goal: 'rate' };
    const base = await noiseFor(LINF, goal);
    const { result } = await attackAndEvaluate(codec, img, { method: 'square', options: { queries: 20, oracle: 'codec' }, goal, budget: LINF, seed: 1 });
    assert.equal(result.counts.codecQueries, 20);
    assert.equal(result.counts.backward, 0);
    assert.ok(result.bppRatio > base.bppRatio, `square bpp ratio ${result.bppRatio} vs noise ${base.bppRatio}`);
  });

  test('the result record is JSON data with the honest numbers', async () => {
    const { result } = await attackAndEvaluate(codec, img, { method: 'fgsm', goal: { goal: 'distortion' }, budget: LINF, seed: 2 });
    const back = JSON.parse(JSON.stringify(result)) as AttackResult;
    assert.deepEqual(back, result);
    assert.equal(result.codec, codec.id);
    assert.equal(result.perturbation.linf255, 8);
    assert.ok(result.clean.bppReal > 0 && result.clean.bytes > 0);
    assert.ok(result.attacked.msSsim < result.clean.msSsim + 1e-9);
    assert.equal(result.seed, 2);
    assert.deepEqual(result.attack, { name: 'fgsm', kind: 'white-box', options: { steps: 1, relStepSize: 1, randomStart: false, restarts: 1 } });
  });
});
