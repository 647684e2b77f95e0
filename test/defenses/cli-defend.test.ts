import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, TINY_HYPERPRIOR } from '../cli/run-cli.js';
import { SHARED_DIR } from '../../src/shared-data.js';
import { budgetDirName } from '../../src/defenses/evaluate/budget-sweep.js';

const KODAK = `${SHARED_DIR}/data/kodak`;
const skip = (!existsSync(TINY_HYPERPRIOR) || !existsSync(KODAK)) && 'missing reference checkpoint or Kodak';

test('advlic defend evaluate writes report.md/.csv/.json with naive and adaptive rows and consistent numbers', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'defend-eval-'));
  try {
    const r = await runCli(['--json', 'defend', 'evaluate', '--model', TINY_HYPERPRIOR, '--quality', '1', '--defences', 'blur:sigma=1.5,bitdepth:bits=3',
      '--images', KODAK, '--count', '1', '--crop', '64', '--steps', '2', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.deepEqual(rep.rows.map((x: { defence: string; mode: string }) => `${x.defence}/${x.mode}`),
      ['none/-', 'blur:sigma=1.5/naive', 'blur:sigma=1.5/adaptive', 'bitdepth:bits=3/naive', 'bitdepth:bits=3/adaptive']);
    assert.equal(rep.complete, true);
    const none = rep.rows[0];
    assert.equal(none.attackedRdCostCutPct, 0);
    assert.equal(none.attackDeltaCutPct, 0);
    assert.ok(none.attacked.rdCost > none.clean.rdCost, 'the attack raises the R-D cost of the undefended model');
    for (const row of rep.rows) {
      const mse = Math.pow(10, -row.clean.psnr / 10);
      assert.ok(Math.abs(row.clean.rdCost - (row.clean.bpp + rep.lambda * 255 * 255 * mse)) < 1e-9);
      assert.ok(Math.abs(row.attackedRdCostCutPct - (1 - row.attacked.rdCost / none.attacked.rdCost) * 100) < 1e-9);
      // The attack-ΔJ cut is computed from the row's own clean and attacked costs.
      const delta = row.attacked.rdCost - row.clean.rdCost;
      assert.ok(Math.abs(row.attackDeltaRdCost - delta) < 1e-9);
      const noneDelta = none.attacked.rdCost - none.clean.rdCost;
      assert.ok(Math.abs(row.attackDeltaCutPct - (1 - delta / noneDelta) * 100) < 1e-9);
      // One per-image entry per image, whose mean is the row's mean.
      assert.equal(row.perImage.length, 1);
      assert.ok(Math.abs(row.perImage[0].attacked.rdCost - row.attacked.rdCost) < 1e-9);
    }
    const md = await readFile(join(out, 'report.md'), 'utf8');
    assert.match(md, /\| blur:sigma=1\.5 \| adaptive \| exact \|/);
    assert.match(md, /attack-ΔJ cut %/);
    // The PSNR drop in percent and the bpp ratio as a factor, as the README's tables show them.
    assert.match(md, /\| none \| - \| - \|.* -?\d+\.\d % \| \d+\.\d\dx \|/);
    assert.doesNotMatch(md, /Partial report/);
    const csv = await readFile(join(out, 'report.csv'), 'utf8');
    assert.equal(csv.trim().split('\n').length, 6);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('advlic defend evaluate --eps with several budgets writes a report per budget and a sweep that agrees with them', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'defend-sweep-'));
  try {
    const r = await runCli(['--json', 'defend', 'evaluate', '--model', TINY_HYPERPRIOR, '--quality', '1', '--defences', 'bitdepth:bits=3', '--modes', 'naive',
      '--images', KODAK, '--count', '1', '--crop', '64', '--steps', '3', '--eps', '2/255,16/255', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const sweep = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8'));
    assert.deepEqual(sweep.budgets.map((b: { dir: string }) => b.dir), ['eps-2_255', 'eps-16_255']);
    for (const b of sweep.budgets) {
      const rep = JSON.parse(await readFile(join(out, b.dir, 'report.json'), 'utf8'));
      assert.equal(rep.complete, true);
      assert.ok(Math.abs(rep.attack.eps - b.eps) < 1e-12);
      const none = rep.rows[0];
      assert.equal(b.undefendedAttackedRdCost, none.attacked.rdCost);
      assert.ok(Math.abs(b.ceilingPct - (1 - none.clean.rdCost / none.attacked.rdCost) * 100) < 1e-9);
      const line = sweep.lines.find((l: { row: string; eps: number }) => l.row === 'bitdepth:bits=3 naive' && l.eps === b.eps);
      assert.equal(line.attackedRdCostCutPct, rep.rows[1].attackedRdCostCutPct);
    }
    // A budget eight times larger does more damage to the undefended model, and leaves a higher ceiling.
    assert.ok(sweep.budgets[1].undefendedAttackedRdCost > sweep.budgets[0].undefendedAttackedRdCost);
    assert.ok(sweep.budgets[1].ceilingPct > sweep.budgets[0].ceilingPct);
    const md = await readFile(join(out, 'sweep.md'), 'utf8');
    assert.match(md, /\| row \| 2\/255 \| 16\/255 \|/);
    assert.match(md, /\| bitdepth:bits=3 naive \| /);
    assert.ok(!existsSync(join(out, 'report.json')), 'no single-budget report at the top level');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('budgetDirName names a folder per budget', () => {
  assert.equal(budgetDirName(8 / 255), 'eps-8_255');
  assert.equal(budgetDirName(0.5 / 255), 'eps-0p5_255');
  assert.equal(budgetDirName(32 / 255), 'eps-32_255');
});

test('advlic defend evaluate that fails on a later row exits non-zero and leaves the rows it finished on disk', { skip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'defend-partial-'));
  try {
    const r = await runCli(['--json', 'defend', 'evaluate', '--model', TINY_HYPERPRIOR, '--quality', '1', '--defences', '',
      '--weights', join(out, 'missing.safetensors'), '--images', KODAK, '--count', '1', '--crop', '32', '--steps', '1', '-o', out]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /missing\.safetensors/);
    const rep = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.equal(rep.complete, false);
    assert.deepEqual(rep.rows.map((x: { defence: string }) => x.defence), ['none']);
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /Partial report: 1 row/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('advlic defend evaluate rejects an unknown defence with a usage-level message', { skip }, async () => {
  const r = await runCli(['defend', 'evaluate', '--model', TINY_HYPERPRIOR, '--defences', 'fog', '--images', KODAK, '--crop', '64', '--steps', '1', '-o', join(tmpdir(), 'never')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown defence 'fog'/);
});

test('advlic defend adv-train writes weights + manifest (defence field) and resumes from its checkpoint', { skip: skip || (!existsSync(`${SHARED_DIR}/data/train/bsds500`) && 'missing BSDS') }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'defend-adv-'));
  const common = ['--json', 'defend', 'adv-train', '--out', out, '--no-progress'];
  try {
    const first = await runCli([...common, '--model', TINY_HYPERPRIOR, '--quality', '1', '--eps', '4/255', '--steps', '1', '--goal', 'rate',
      '--train-steps', '1', '--batch', '2', '--crop', '64', '--data', `${SHARED_DIR}/data/train/bsds500`, '--data-limit', '2', '--val-data', KODAK, '--val-count', '1', '--val-crop', '64', '--ramp', '2']);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli([...common, '--resume', '--train-steps', '2']);
    assert.equal(second.code, 0, second.stderr);
    const summary = JSON.parse(second.stdout);
    assert.equal(summary.steps, 2);
    const manifest = JSON.parse(await readFile(summary.manifestPath, 'utf8'));
    assert.equal(manifest.defence.method, 'adv-train');
    assert.equal(manifest.defence.epsilon, 4 / 255);
    assert.equal(manifest.defence.details.goal, 'rate');
    assert.equal(manifest.defence.details.rampSteps, 2);
    assert.match(summary.weightsPath, /bmshj2018-hyperprior-q1-advtrain\.safetensors$/);
    // The manifest reproduces the run: the original command, then the resume that extended it.
    assert.match(manifest.command, /--train-steps 1 .* ; resumed at step 1 with: advlic .*defend adv-train .*--resume --train-steps 2$/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('advlic defend adv-train --select-every: refuses a selection crop the model cannot take, names the selected step otherwise', { skip: skip || (!existsSync(`${SHARED_DIR}/data/train/bsds500`) && 'missing BSDS') }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'defend-sel-'));
  const args = ['defend', 'adv-train', '--out', out, '--no-progress', '--model', TINY_HYPERPRIOR, '--quality', '1', '--steps', '1', '--train-steps', '1', '--batch', '2',
    '--crop', '64', '--data', `${SHARED_DIR}/data/train/bsds500`, '--data-limit', '2', '--val-data', KODAK, '--val-count', '1', '--val-crop', '64',
    '--select-every', '1', '--select-data', KODAK, '--select-count', '1', '--select-steps', '1'];
  try {
    const missing = await runCli([...args, '--select-crop', '64', '--select-data', join(out, 'missing')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /robustness-selection image folder .*missing does not exist \(pass --select-data DIR\)/);
    const badQuantizer = await runCli([...args, '--select-crop', '64', '--quantizer', 'round']);
    assert.notEqual(badQuantizer.code, 0);
    assert.match(badQuantizer.stderr, /--quantizer must be noise or mixed, got 'round'/);
    const bad = await runCli([...args, '--select-crop', '100']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /selection crop 100x100 is not a multiple of 64/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    const ok = await runCli([...args, '--select-crop', '64']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /most robust on the held-out crops: step [01] /);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
