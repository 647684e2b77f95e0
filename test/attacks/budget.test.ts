import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { ATTACKS } from '../../src/attacks/registry.js';
import { buildObjective } from '../../src/attacks/objectives.js';
import { distanceFor, linf as linfBall, psnrFloorToL2 } from '../../src/attacks/distances.js';
import { roundIntoBudget } from '../../src/attacks/round8.js';
import type { Budget } from '../../src/attacks/types.js';
import { ToyCodec } from '../fixtures/toy-codec.js';
import { l2, linf, on8bitGrid, testImage } from './helpers.js';

// Few iterations: this file checks budgets, not strength.
const FAST: Record<string, Record<string, unknown>> = {
  ifgsm: { steps: 3 },
  pgd: { steps: 3 },
  mifgsm: { steps: 3 },
  cw: { steps: 4, binarySteps: 2, initialConst: 100 },
  'chen-ma': { steps: 4, lr: 0.02 },
  square: { queries: 6 },
};

const BUDGETS: Budget[] = [
  { norm: 'linf', eps: 8 / 255 },
  { norm: 'linf', eps: 0.03 }, // not a multiple of 1/255: 7 levels allowed
  { norm: 'l2', eps: 0.8 },
  { norm: 'psnr', minPsnr: 40 },
];

function radius(b: Budget, numel: number): number {
  return b.norm === 'psnr' ? psnrFloorToL2(b.minPsnr, numel) : b.eps;
}

describe('every attack respects its budget exactly, after 8-bit rounding', () => {
  let codec: ToyCodec;
  before(async () => {
    await initEngine({ engine: 'cpu' });
    codec = new ToyCodec();
  });
  const img = testImage(32, 32);
  const objective = buildObjective({ goal: 'distortion' });
  for (const entry of ATTACKS) {
    for (const budget of BUDGETS) {
      test(`${entry.name} ${JSON.stringify(budget)}`, async () => {
        const out = await entry.create(FAST[entry.name] ?? {}).run(codec, img, objective, budget, { seed: 3 });
        const adv = out.adversarial.data;
        assert.ok(on8bitGrid(adv), 'adversarial image is on the 8-bit grid');
        assert.ok(adv.every((v) => v >= 0 && v <= 1), 'values in [0,1]');
        const r = radius(budget, adv.length);
        if (budget.norm === 'linf') {
          assert.ok(linf(adv, img.data) <= r + 1e-6, `L∞ ${linf(adv, img.data)} ≤ ${r}`);
        } else {
          assert.ok(l2(adv, img.data) <= r * (1 + 1e-6), `L2 ${l2(adv, img.data)} ≤ ${r}`);
        }
        if (budget.norm === 'psnr') {
          const p = -10 * Math.log10(l2(adv, img.data) ** 2 / adv.length);
          assert.ok(p >= budget.minPsnr - 1e-6, `PSNR of the adversarial image ${p} ≥ ${budget.minPsnr}`);
        }
        // The budget is not trivially met by handing back x.
        assert.ok(linf(adv, img.data) >= 1 / 255 - 1e-6, 'attack moved');
        assert.ok(out.counts.forward >= 1);
      });
    }
  }
});

describe('roundIntoBudget never trusts the attack', () => {
  const x = testImage(16, 16).data;
  test('L∞ 8/255: an over-budget, off-grid image is clamped to ±8 levels', () => {
    const adv = x.map((v, i) => v + (i % 2 ? 0.2 : -0.2) + 0.0013);
    const r = roundIntoBudget(x, adv, linfBall(8 / 255));
    assert.ok(on8bitGrid(r));
    assert.ok(Math.abs(linf(r, x) - 8 / 255) < 1e-6);
  });
  test('L∞ 0.03 floors the allowed levels to 7', () => {
    const adv = x.map((v, i) => v + (i % 2 ? 0.03 : -0.03));
    const r = roundIntoBudget(x, adv, linfBall(0.03));
    assert.ok(linf(r, x) <= 0.03);
    assert.ok(Math.abs(linf(r, x) - 7 / 255) < 1e-6, `got ${linf(r, x) * 255} levels`);
  });
  test('L2: rounding that would exceed ε is shrunk back inside', () => {
    const d = distanceFor({ norm: 'l2', eps: 0.05 }, x.length);
    // Each value moved by 0.6 levels: rounds to a full level, so the rounded norm overshoots.
    const adv = x.map((v, i) => v + ((i % 3) - 1) * (0.6 / 255));
    const r = roundIntoBudget(x, adv, d);
    assert.ok(on8bitGrid(r));
    assert.ok(l2(r, x) <= 0.05 * (1 + 1e-9), `L2 ${l2(r, x)}`);
    assert.ok(l2(r, x) > 0.03, 'keeps most of the budget');
  });
});
