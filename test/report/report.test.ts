import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { expandGrid, type Job } from '../../src/experiments/jobs.js';
import { parseGridSpec } from '../../src/experiments/spec.js';
import { ResultStore } from '../../src/experiments/store.js';
import { writeReport } from '../../src/report/write-report.js';
import { writeComparison } from '../../src/report/compare.js';
import { tempDir, writeImages } from '../experiments/helpers.js';

/** Known metrics per job: drop grows with eps and is larger for 'weak'; one planted worst case. */
function metricsFor(job: Job, scale: number) {
  const c = job.config;
  const base = (c.model === 'weak' ? 0.2 : 0.1) * (c.eps * 255) / 4 * (c.attack.name === 'pgd' ? 1.5 : 1) * scale;
  const psnrClean = 30;
  const bppClean = 0.5;
  return { psnrClean, psnrAttacked: psnrClean * (1 - base), relPsnrDrop: base, bppClean, bppAttacked: bppClean * (1 + base), bppRatio: 1 + base, wallMs: 10 };
}

async function buildStore(dir: string, db: string, scale: number, plantWorst: boolean): Promise<Job[]> {
  const spec = parseGridSpec({
    kind: 'synthetic', codeVersion: 'fixture',
    models: [{ name: 'weak', qualities: [1, 2] }, { name: 'strong', qualities: [1, 2] }],
    attacks: [{ name: 'fgsm' }, { name: 'pgd', steps: 10 }], goals: ['psnr'], budgets: ['2/255', '4/255'], images: ['images'],
  });
  const jobs = expandGrid(spec, { baseDir: dir });
  const store = new ResultStore(db, 'fixture');
  for (const job of jobs) store.markDone(job, { metrics: metricsFor(job, scale), images: { original: job.config.image } });
  if (plantWorst) {
    const w = jobs.find((j) => j.config.model === 'weak' && j.config.quality === 2 && j.config.attack.name === 'pgd' && j.config.eps === 4 / 255)!;
    const adv = join(dir, 'adv.png');
    const { data, info } = await sharp(w.config.image).raw().toBuffer({ resolveWithObject: true });
    data[0] = Math.min(255, data[0]! + 2);
    await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(adv);
    const psnrClean = 32;
    store.db.prepare(`UPDATE jobs SET result = ? WHERE key = ?`).run(
      JSON.stringify({ metrics: { psnrClean, psnrAttacked: psnrClean * (1 - 0.6155), relPsnrDrop: 0.6155, bppClean: 0.4, bppAttacked: 0.4 * 19.15, bppRatio: 19.15, wallMs: 5 }, images: { original: w.config.image, adversarial: adv } }),
      w.key,
    );
  }
  store.markFailed(
    { ...jobs[0]!, key: 'f'.repeat(64), config: { ...jobs[0]!.config, model: 'broken' } },
    'codec exploded',
  );
  store.close();
  return jobs;
}

test('report: Markdown/CSV/JSON tables, SVG/PNG charts and the HTML gallery carry the right numbers', async () => {
  const t = tempDir('report');
  try {
    await writeImages(t.dir, 2);
    const db = join(t.dir, 'a.sqlite');
    await buildStore(t.dir, db, 1, true);
    const out = join(t.dir, 'report');
    const summary = await writeReport(db, out, { galleryCount: 2 });
    assert.equal(summary.jobs, 32);
    assert.equal(summary.failed, 1);
    for (const f of ['report.md', 'index.html', 'summary.json', 'cells.md', 'cells.csv', 'cells.json', 'models.csv', 'quality.json', 'attacks.md', 'vulnerability.svg', 'vulnerability.png', 'quality.svg', 'attacks.svg', 'bpp.svg'])
      assert.ok(existsSync(join(out, f)), f);

    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /Worst PSNR drop: 61\.55 % \(32\.00 → 12\.30 dB, bpp 19\.15x\) for weak@2, pgd \(goal psnr, eps 4\/255, seed 0\)/);
    assert.match(md, /Worst rate increase: 19\.15x bpp/);
    assert.match(md, /## Failures\n\n- broken@1 fgsm psnr 2\/255 .*: codec exploded/);

    // cells: strong@1 fgsm 2/255 → drop 0.1 * 2/4 = 0.05 on both images
    const csv = readFileSync(join(out, 'cells.csv'), 'utf8').split('\n');
    assert.equal(csv[0], 'model,quality,attack,goal,eps,n,mean_rel_psnr_drop,worst_rel_psnr_drop,mean_bpp_ratio,worst_bpp_ratio,mean_psnr_clean_db,mean_psnr_attacked_db');
    const row = csv.find((l) => l.startsWith('strong,1,fgsm,psnr,0.00784'))!.split(',');
    assert.equal(Number(row[5]), 2);
    assert.ok(Math.abs(Number(row[6]) - 0.05) < 1e-12 && Math.abs(Number(row[8]) - 1.05) < 1e-12);
    // the planted cell: mean of 0.6155 and 0.2*1*1.5 = 0.3 on the other image
    const planted = (JSON.parse(readFileSync(join(out, 'cells.json'), 'utf8')) as Array<Record<string, number | string>>).find((r) => r.model === 'weak' && r.quality === 2 && r.attack === 'pgd' && r.eps === 4 / 255)!;
    assert.ok(Math.abs((planted.mean_rel_psnr_drop as number) - (0.6155 + 0.3) / 2) < 1e-12);
    assert.equal(planted.worst_bpp_ratio, 19.15);

    const models = JSON.parse(readFileSync(join(out, 'models.json'), 'utf8')) as Array<{ rank: number; model: string }>;
    assert.deepEqual(models.map((m) => m.model), ['weak', 'strong']);
    assert.match(readFileSync(join(out, 'models.md'), 'utf8'), /\| 1 \| weak \| 16 \|/);

    const svg = readFileSync(join(out, 'vulnerability.svg'), 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, />weak</);
    assert.match(readFileSync(join(out, 'attacks.svg'), 'utf8'), />pgd</);
    const png = await sharp(join(out, 'vulnerability.png')).metadata();
    assert.equal(png.format, 'png');

    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.match(html, /#1 PSNR drop/);
    const gal = /src="(gallery\/[0-9a-f]{16}\/perturbation\.png)"/.exec(html);
    assert.ok(gal, 'amplified perturbation in the gallery');
    const pert = await sharp(join(out, gal[1]!)).raw().toBuffer();
    // +2 on one red value, ×10 around 127.5 → 148; elsewhere mid-grey 128
    assert.equal(pert[0], 148);
    assert.equal(pert[1], 128);
  } finally {
    t.cleanup();
  }
});

test('report --compare: two studies side by side with the deltas', async () => {
  const t = tempDir('compare');
  try {
    await writeImages(t.dir, 2);
    const a = join(t.dir, 'before.sqlite');
    const b = join(t.dir, 'after.sqlite');
    await buildStore(t.dir, a, 1, false);
    await buildStore(t.dir, b, 0.5, false);
    const out = join(t.dir, 'cmp');
    const r = await writeComparison(a, b, out);
    assert.equal(r.cells, 16);
    const rows = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as Array<Record<string, number | string>>;
    const cell = rows.find((x) => x.model === 'weak' && x.quality === 1 && x.attack === 'pgd' && x.eps === 4 / 255)!;
    assert.ok(Math.abs((cell.mean_rel_psnr_drop_before as number) - 0.3) < 1e-12);
    assert.ok(Math.abs((cell.mean_rel_psnr_drop_after as number) - 0.15) < 1e-12);
    assert.ok(Math.abs((cell.delta_rel_psnr_drop as number) + 0.15) < 1e-12);
    assert.ok(existsSync(join(out, 'compare.svg')) && existsSync(join(out, 'compare-models.png')));
    assert.match(readFileSync(join(out, 'compare-report.md'), 'utf8'), /16 shared cells/);
  } finally {
    t.cleanup();
  }
});
