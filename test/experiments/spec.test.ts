import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdvlicError } from '../../src/errors.js';
import { expandGrid, jobKey } from '../../src/experiments/jobs.js';
import { loadGridSpec, parseGridSpec } from '../../src/experiments/spec.js';
import { canonicalJson } from '../../src/experiments/canonical.js';
import { main } from '../../src/cli/main.js';
import { tempDir, writeImages } from './helpers.js';

const base = {
  models: [{ name: 'bmshj2018-hyperprior', qualities: [2, 4] }, { name: 'jpeg', qualities: [75] }],
  attacks: [{ name: 'fgsm' }, { name: 'pgd', steps: 5, eps: ['2/255'] }],
  goals: ['psnr', 'bpp'],
  budgets: ['2/255', 0.0313725],
  images: ['images'],
};

test('spec: a bad attack budget is refused with the field named', () => {
  const bad = { ...base, attacks: [{ name: 'fgsm' }, { name: 'pgd', eps: ['lots'] }] };
  assert.throws(() => parseGridSpec(bad, 'x.yaml'), (e: unknown) => {
    assert.ok(AdvlicError.is(e));
    assert.equal(e.code, 'E_CONFIG');
    assert.match(e.message, /^x\.yaml: attacks\[1\]\.eps\[0\]: expected a non-negative number/);
    return true;
  });
});

test('spec: unknown fields, missing qualities and missing budgets name their path', () => {
  assert.throws(() => parseGridSpec({ ...base, atacks: [] }), /\(root\): Unrecognized key\(s\) in object: 'atacks'/);
  assert.throws(() => parseGridSpec({ ...base, models: [{ name: 'mbt2018' }] }), /models\[0\]\.qualities: give `qualities`/);
  const { budgets: _b, ...noBudgets } = base;
  assert.throws(() => parseGridSpec(noBudgets), /attacks\[0\]\.eps: no budget/);
  assert.throws(() => parseGridSpec({ ...base, attacks: [{ name: 'pgd', steps: 0 }] }), /attacks\[0\]\.steps: Number must be greater than 0/);
});

test('spec: YAML file expands to the full grid with stable, distinct keys', async () => {
  const t = tempDir('spec');
  try {
    await writeImages(t.dir, 3);
    const path = join(t.dir, 'g.yaml');
    writeFileSync(path, `name: g\nmodels:\n  - name: bmshj2018-hyperprior\n    qualities: [2, 4]\n  - name: jpeg\n    qualities: [75]\n` +
      `attacks:\n  - name: fgsm\n  - name: pgd\n    steps: 5\n    eps: ["2/255"]\ngoals: [psnr, bpp]\nbudgets: ["2/255", "8/255"]\nimages: [images/*.png]\nrepeats: 2\n`);
    const spec = loadGridSpec(path);
    assert.deepEqual(spec.budgets, [2 / 255, 8 / 255]);
    const jobs = expandGrid(spec, { baseDir: t.dir, codeVersion: 'test' });
    // 3 model configs × (fgsm 2 budgets + pgd 1) × 2 goals × 2 seeds × 3 images
    assert.equal(jobs.length, 3 * 3 * 2 * 2 * 3);
    assert.equal(new Set(jobs.map((j) => j.key)).size, jobs.length);
    const again = expandGrid(loadGridSpec(path), { baseDir: t.dir, codeVersion: 'test' });
    assert.deepEqual(again.map((j) => j.key), jobs.map((j) => j.key));
    const other = expandGrid(spec, { baseDir: t.dir, codeVersion: 'other' });
    assert.notEqual(other[0]!.key, jobs[0]!.key, 'code version is part of the key');
    assert.equal(jobs.find((j) => j.config.model === 'jpeg')!.weightsHash, 'none');
    // the key depends on content, not on the path of the image
    const j = jobs[0]!;
    assert.equal(jobKey({ ...j.config, image: '/elsewhere/x.png' }, j.weightsHash, j.codeVersion), j.key);
  } finally {
    t.cleanup();
  }
});

test('canonical JSON sorts keys at every depth', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } }), '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}');
});

test('cli: grid plan prints the job count and an estimate; a malformed spec exits 2 naming the field', async () => {
  const t = tempDir('plan');
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const errs: string[] = [];
  const ewrite = process.stderr.write.bind(process.stderr);
  try {
    await writeImages(t.dir, 2);
    const path = join(t.dir, 'g.json');
    writeFileSync(path, JSON.stringify({ ...base, codeVersion: 'test' }));
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (errs.push(s), true)) as typeof process.stderr.write;
    assert.equal(await main(['--json', 'grid', 'plan', path, '--workers', '2']), 0);
    const bad = join(t.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...base, attacks: [{ name: 'fgsm', eps: -1 }] }));
    assert.equal(await main(['grid', 'plan', bad]), 2);
  } finally {
    process.stdout.write = write;
    process.stderr.write = ewrite;
    t.cleanup();
  }
  const plan = JSON.parse(out.join(''));
  assert.equal(plan.jobs, 3 * 3 * 2 * 2);
  // 8x8 images: learned jobs cost steps+2 scaled-down steps; the estimate is positive and per-worker halved
  assert.ok(plan.estimatedMs > 0);
  assert.equal(plan.estimatedWallMs, plan.estimatedMs / 2);
  assert.match(errs.join(''), /attacks\[0\]\.eps: expected a non-negative number or a fraction like "4\/255", got -1/);
});
