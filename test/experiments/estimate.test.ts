import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_STEP_MS, estimateJob, loadBenchStepTimes } from '../../src/experiments/estimate.js';
import { expandGrid } from '../../src/experiments/jobs.js';
import { parseGridSpec } from '../../src/experiments/spec.js';
import { tempDir, writeImages } from './helpers.js';

test('estimate: defaults per architecture and steps; bench results override them', async () => {
  const t = tempDir('estimate');
  try {
    await writeImages(t.dir, 1);
    const jobs = expandGrid(
      parseGridSpec({
        models: [{ name: 'bmshj2018-hyperprior', qualities: [2] }, { name: 'mbt2018-mean', qualities: [2] }],
        attacks: [{ name: 'fgsm' }, { name: 'pgd', steps: 20 }], goals: ['distortion'], budgets: [0.01], images: ['images'],
      }),
      { baseDir: t.dir, codeVersion: 'x' },
    );
    const kodak = 512 * 768;
    const empty = loadBenchStepTimes(join(t.dir, 'none'));
    const fgsm = jobs.find((j) => j.config.model === 'bmshj2018-hyperprior' && j.config.attack.name === 'fgsm')!;
    const pgd = jobs.find((j) => j.config.model === 'bmshj2018-hyperprior' && j.config.attack.name === 'pgd')!;
    assert.deepEqual(estimateJob(fgsm, kodak, empty), { ms: DEFAULT_STEP_MS['bmshj2018-hyperprior']! * 3, source: 'default' });
    assert.equal(estimateJob(pgd, kodak / 2, empty).ms, DEFAULT_STEP_MS['bmshj2018-hyperprior']! * 22 / 2);

    const dir = join(t.dir, 'results');
    mkdirSync(dir);
    writeFileSync(join(dir, 'attack-step.json'), JSON.stringify({ runs: [{ arch: 'bmshj2018-hyperprior', msPerStep: 1000, width: 256, height: 256 }] }));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    const measured = loadBenchStepTimes(dir);
    assert.deepEqual(estimateJob(pgd, 512 * 512, measured), { ms: 1000 * 4 * 22, source: 'bench' });
    const mean = jobs.find((j) => j.config.model === 'mbt2018-mean' && j.config.attack.name === 'fgsm')!;
    assert.equal(estimateJob(mean, kodak, measured).source, 'default');
  } finally {
    t.cleanup();
  }
});
