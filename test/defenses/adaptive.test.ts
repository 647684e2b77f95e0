import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { attackAndEvaluate } from '../../src/attacks/attack-and-evaluate.js';
import { createDefence } from '../../src/defenses/registry.js';
import type { GradientMode } from '../../src/defenses/types.js';
import { midImage, RippleCodec } from './ripple-codec.js';

before(async () => {
  await initEngine();
});

/** Mean real bpp ratio of a rate attack (PGD, 8/255) over three seeds. */
async function bppRatio(defence: string, options: Record<string, number>, mode: GradientMode): Promise<number> {
  const img = midImage(32, 32);
  let sum = 0;
  for (const seed of [0, 1, 2]) {
    const d = createDefence(defence, new RippleCodec(), { ...options, seed: 50 + seed });
    d.gradientMode = mode;
    const r = await attackAndEvaluate(d, img, { method: 'pgd', options: { steps: 5 }, goal: { goal: 'rate' }, budget: { norm: 'linf', eps: 8 / 255 }, seed });
    sum += r.result.bppRatio;
  }
  return sum / 3;
}

test('EOT beats the naive attacker on a Gaussian-noise defence with σ ≫ the rate ripple', async () => {
  const naive = await bppRatio('noise', { sigma: 0.1, eot: 8 }, 'naive');
  const eot = await bppRatio('noise', { sigma: 0.1, eot: 8 }, 'adaptive');
  console.log(JSON.stringify({ naive, eot }));
  assert.ok(eot > 1.02, `EOT bpp ratio ${eot}`);
  assert.ok(eot - 1 > 1.5 * Math.max(naive - 1, 0.005), `EOT ${eot} vs naive ${naive}`);
});

test('BPDA beats the naive attacker on bit-depth reduction', async () => {
  const naive = await bppRatio('bitdepth', { bits: 2 }, 'naive');
  const bpda = await bppRatio('bitdepth', { bits: 2 }, 'adaptive');
  console.log(JSON.stringify({ naive, bpda }));
  assert.ok(bpda > 1.005, `BPDA bpp ratio ${bpda}`);
  assert.ok(bpda - 1 > 2 * Math.max(naive - 1, 0.001), `BPDA ${bpda} vs naive ${naive}`);
});
