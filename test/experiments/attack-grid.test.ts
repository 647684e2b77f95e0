import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { planGrid } from '../../src/experiments/plan.js';
import { runLocal } from '../../src/experiments/local-runner.js';
import { ResultStore } from '../../src/experiments/store.js';
import { writeReport } from '../../src/report/write-report.js';
import { tempDir, writeSpec } from './helpers.js';
import { SHARED_DIR } from '../../src/shared-data.js';

// CompressAI's own bmshj2018-hyperprior at N=16, M=24 (shared reference data).
const CKPT = `${SHARED_DIR}/reference/compressai/bmshj2018-hyperprior-q1-tiny.pth.tar`;
const IMAGE = `${SHARED_DIR}/reference/compressai/input.png`;

test('attack grid: real attacks on a real tiny model through a worker process, into the store and the report', { skip: !existsSync(CKPT) && `missing ${CKPT}` }, async () => {
  const t = tempDir('attack-grid');
  try {
    await sharp(IMAGE).extract({ left: 0, top: 0, width: 64, height: 64 }).png().toFile(join(t.dir, 'crop.png'));
    const spec = writeSpec(t.dir, {
      name: 'tiny', codeVersion: 'test',
      models: [{ name: 'bmshj2018-hyperprior', weights: CKPT, qualities: [1] }],
      attacks: [{ name: 'pgd', steps: 3 }],
      goals: ['distortion', 'rate'], budgets: ['8/255'], images: ['crop.png'],
    });
    const plan = await planGrid(spec);
    assert.equal(plan.jobs.length, 2);
    const db = join(t.dir, 'r.sqlite');
    const store = new ResultStore(db, 'tiny');
    const failures: string[] = [];
    const s = await runLocal(plan.jobs, store, { workers: 1, maxRetries: 0, outDir: join(t.dir, 'files'), graceMs: 1000, onFailure: (_j, e) => failures.push(e) });
    store.close();
    assert.deepEqual(failures, []);
    assert.equal(s.done, 2);

    const d = new Database(db, { readonly: true });
    const rows = d.prepare(`SELECT attack, goal, psnr_clean, psnr_attacked, rel_psnr_drop, bpp_ratio, linf, passes, images FROM results`).all() as Array<Record<string, number | string>>;
    d.close();
    const pgdD = rows.find((r) => r.attack === 'pgd' && r.goal === 'distortion')!;
    const pgdR = rows.find((r) => r.attack === 'pgd' && r.goal === 'rate')!;
    assert.ok((pgdD.rel_psnr_drop as number) > 0 && (pgdD.psnr_attacked as number) < (pgdD.psnr_clean as number), JSON.stringify(pgdD));
    assert.ok(Math.abs((pgdD.rel_psnr_drop as number) - ((pgdD.psnr_clean as number) - (pgdD.psnr_attacked as number)) / (pgdD.psnr_clean as number)) < 1e-9);
    assert.ok((pgdR.bpp_ratio as number) > 1, JSON.stringify(pgdR));
    assert.ok(Math.abs((pgdD.linf as number) - 8 / 255) < 1e-6);
    const images = JSON.parse(pgdD.images as string) as Record<string, string>;
    for (const role of ['adversarial', 'reconAdversarial', 'reconClean']) assert.ok(existsSync(images[role]!), role);

    const out = join(t.dir, 'report');
    const summary = await writeReport(db, out, { galleryCount: 1, png: false });
    assert.equal(summary.jobs, 2);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.match(html, /reconstruction of the adversarial/);
    assert.match(html, /perturbation ×10/);
  } finally {
    t.cleanup();
  }
});

test('attack grid: plan refuses unknown attack options and goals with the field named', async () => {
  const t = tempDir('attack-plan');
  try {
    await sharp(IMAGE).extract({ left: 0, top: 0, width: 64, height: 64 }).png().toFile(join(t.dir, 'crop.png'));
    const base = { models: [{ name: 'bmshj2018-hyperprior', qualities: [2] }], goals: ['distortion'], budgets: ['4/255'], images: ['crop.png'] };
    const badOption = writeSpec(t.dir, { ...base, attacks: [{ name: 'fgsm' }, { name: 'pgd', params: { bogus: 1 } }] }, 'a.json');
    await assert.rejects(planGrid(badOption), /a\.json: attacks\[1\]: attack pgd: unknown option 'bogus'/);
    const badName = writeSpec(t.dir, { ...base, attacks: [{ name: 'pgdd' }] }, 'b.json');
    await assert.rejects(planGrid(badName), /b\.json: attacks\[0\]: unknown attack 'pgdd'/);
    const badGoal = writeSpec(t.dir, { ...base, attacks: [{ name: 'fgsm' }], goals: ['distortion', 'blur'] }, 'c.json');
    await assert.rejects(planGrid(badGoal), /c\.json: goals\[1\]: /);
  } finally {
    t.cleanup();
  }
});
