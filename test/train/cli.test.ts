import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { loadWeightsFile } from '../../src/models/weights/load.js';
import { createModel } from '../../src/models/registry.js';
import { parseMetricsCsv } from '../../src/train/metrics-log.js';
import { writeSyntheticImages } from './fixtures/synthetic.js';

/** Runs the CLI capturing stdout (the one JSON document) and stderr. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

test('advlic train: a tiny run writes metrics, curve, checkpoint and loadable weights + manifest; resume extends it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'advlic-train-cli-'));
  try {
    const data = join(root, 'images');
    await writeSyntheticImages(data, 3, 64);
    const out = join(root, 'run');
    const common = ['--data', data, '--val-data', data, '--val-count', '1', '--val-crop', '64', '--final-val-count', '0'];
    const r = await run(['--json', 'train', '--arch', 'bmshj2018-factorized', '--N', '8', '--M', '8', '--lambda', '0.01',
      '--crop', '64', '--batch', '1', '--steps', '4', '--val-every', '2', '--ckpt-every', '2', '--log-every', '1', '--lr', '1e-3',
      '--seed', '3', '--out', out, ...common]);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out);
    assert.equal(summary.steps, 4);
    assert.ok(summary.final.bppReal > 0 && summary.final.psnr > 0);

    const rows = parseMetricsCsv(await readFile(join(out, 'metrics.csv'), 'utf8'));
    assert.deepEqual(rows.map((x) => x.step), [1, 2, 3, 4]);
    assert.ok(rows[1]!.valPsnr! > 0 && rows[1]!.valBppReal! > 0 && rows[0]!.valPsnr === undefined);
    assert.match(await readFile(join(out, 'loss.svg'), 'utf8'), /^<svg/);

    const weights = await loadWeightsFile(summary.weightsPath); // checks the manifest's sha256
    assert.equal(weights.manifest?.arch, 'bmshj2018-factorized');
    assert.equal(weights.manifest?.quality, 4); // nearest zoo λ to 0.01 is q4's 0.013
    assert.equal(weights.manifest?.steps, 4);
    assert.equal(weights.manifest?.seed, 3);
    assert.match(weights.manifest!.command, /advlic .*train --arch bmshj2018-factorized/);
    assert.ok(Math.abs(weights.manifest!.kodak.psnr - summary.final.psnr) < 1e-9);
    const model = createModel({ arch: 'bmshj2018-factorized', N: 8, M: 8 });
    model.loadStateDict(weights.stateDict);
    model.dispose();

    // Fine-tunes record where they come from: a chain of two --init runs carries both parents.
    const ft1 = join(root, 'ft1');
    const f1 = await run(['--json', 'train', '--arch', 'bmshj2018-factorized', '--N', '8', '--M', '8', '--quality', '2', '--crop', '64',
      '--batch', '1', '--steps', '2', '--log-every', '1', '--init', summary.weightsPath, '--out', ft1, ...common]);
    assert.equal(f1.code, 0, f1.err);
    const f2 = await run(['--json', 'train', '--arch', 'bmshj2018-factorized', '--N', '8', '--M', '8', '--quality', '6', '--crop', '64',
      '--batch', '1', '--steps', '1', '--log-every', '1', '--init', JSON.parse(f1.out).weightsPath, '--out', join(root, 'ft2'), ...common]);
    assert.equal(f2.code, 0, f2.err);
    const m1 = (await loadWeightsFile(JSON.parse(f1.out).weightsPath)).manifest!;
    const m2 = (await loadWeightsFile(JSON.parse(f2.out).weightsPath)).manifest!;
    assert.deepEqual(m1.lineage, [{ command: weights.manifest!.command, steps: 4, sha256: weights.sha256 }]);
    assert.equal(m2.lineage?.length, 2);
    assert.deepEqual(m2.lineage![0], m1.lineage![0]);
    assert.deepEqual(m2.lineage![1], { command: m1.command, steps: 2, sha256: m1.sha256 });
    assert.equal(weights.manifest!.lineage, undefined);

    // Resume to a larger step count: continues from step 4.
    const r2 = await run(['--json', 'train', '--resume', '--out', out, '--steps', '6']);
    assert.equal(r2.code, 0, r2.err);
    assert.equal(JSON.parse(r2.out).steps, 6);
    const rows2 = parseMetricsCsv(await readFile(join(out, 'metrics.csv'), 'utf8'));
    assert.deepEqual(rows2.map((x) => x.step), [1, 2, 3, 4, 5, 6]);
    const m3 = JSON.parse(await readFile(JSON.parse(r2.out).manifestPath, 'utf8')) as { command: string };
    assert.match(m3.command, / ; resumed at step 4 with: advlic --json train --resume --out \S+ --steps 6$/);

    // A damaged checkpoint: exit code 1 and a one-line CheckpointError.
    const ckpt = join(out, 'checkpoint.ckpt');
    const bytes = await readFile(ckpt);
    await writeFile(ckpt, bytes.subarray(0, (await stat(ckpt)).size - 100));
    const r3 = await run(['train', '--resume', ckpt]);
    assert.equal(r3.code, 1);
    assert.match(r3.err, /E_CHECKPOINT.*corrupt or truncated/);

    const r4 = await run(['train', '--arch', 'nope', '--quality', '1', '--out', out]);
    assert.equal(r4.code, 2);
    assert.match(r4.err, /unknown --arch 'nope'/);
    const r5 = await run(['train', '--arch', 'bmshj2018-factorized', '--quality', '1', '--ema', '1', '--out', out]);
    assert.equal(r5.code, 2);
    assert.match(r5.err, /--ema must be a decay in \[0, 1\).*got '1'/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
