import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { initEngine } from '../../src/engine/index.js';
import { evaluateDefences, type DefenceReport } from '../../src/defenses/evaluate/evaluate-defences.js';
import { TINY_HYPERPRIOR } from '../cli/run-cli.js';
import { midImage } from './ripple-codec.js';

const skip = !existsSync(TINY_HYPERPRIOR) && 'missing reference checkpoint';

before(async () => {
  await initEngine();
});

/** The tiny reference model on one 32x32 image with one PGD step, so each row is cheap. */
const tiny = () => ({ model: TINY_HYPERPRIOR, quality: 1, images: [midImage(32, 32)], eps: 4 / 255, steps: 1 });

test('evaluateDefences hands every finished row to onRow, in order, before the complete report', { skip }, async () => {
  const partials: DefenceReport[] = [];
  const rep = await evaluateDefences({
    ...tiny(),
    defences: ['blur:sigma=1'],
    modes: ['naive'],
    onRow: (p) => {
      partials.push(p);
    },
  });
  assert.equal(rep.complete, true);
  assert.deepEqual(partials.map((p) => p.rows.length), [1, 2]);
  assert.ok(partials.every((p) => !p.complete));
  assert.deepEqual(partials.at(-1)!.rows.map((r) => r.defence), rep.rows.map((r) => r.defence));
  // A partial report is a snapshot: later rows do not appear in it.
  assert.equal(partials[0]!.rows[0]!.defence, 'none');
});

test('a failing row keeps the rows already handed to onRow', { skip }, async () => {
  const partials: DefenceReport[] = [];
  await assert.rejects(
    evaluateDefences({
      ...tiny(),
      defences: [],
      weights: ['/nonexistent/weights.safetensors'],
      onRow: (p) => {
        partials.push(p);
      },
    }),
  );
  assert.equal(partials.length, 1);
  assert.equal(partials[0]!.rows[0]!.defence, 'none');
});

test('weights rows get a clean BD-rate: their clean rate against the undefended curve at equal PSNR', { skip }, async () => {
  // The anchor curve runs through the weights' own clean point, so its rate delta there is 0.
  const rep = await evaluateDefences({
    ...tiny(),
    defences: [],
    weights: [TINY_HYPERPRIOR],
    bdModels: [TINY_HYPERPRIOR, 'bmshj2018-hyperprior@1'],
  });
  const row = rep.rows.find((r) => r.defence.startsWith('weights:'))!;
  assert.ok(row.cleanBdRatePct !== null && Math.abs(row.cleanBdRatePct) < 1e-6, `got ${row.cleanBdRatePct}`);
  assert.equal(rep.rows[0]!.cleanBdRatePct, 0);
});
