import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../../src/engine/index.js';
import { readCheckpointFile } from '../../src/train/checkpoint-file.js';
import { parseMetricsCsv } from '../../src/train/metrics-log.js';
import { Trainer } from '../../src/train/trainer.js';
import { tinyConfig, writeSyntheticImages } from './fixtures/synthetic.js';

const CHILD = fileURLToPath(new URL('./fixtures/train-child.ts', import.meta.url));

async function lastLoggedStep(csvPath: string): Promise<number> {
  const rows = parseMetricsCsv(await readFile(csvPath, 'utf8').catch(() => ''));
  return rows.length ? rows[rows.length - 1]!.step : 0;
}

test('a run killed with SIGKILL loses at most the steps since its last checkpoint', async () => {
  await initEngine();
  const root = await mkdtemp(join(tmpdir(), 'advlic-kill-'));
  try {
    const data = join(root, 'images');
    await writeSyntheticImages(data);
    const cfg = tinyConfig(data, join(root, 'run'), { crop: 64, batch: 1, steps: 10_000, ckptEvery: 3, logEvery: 1 });
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const csv = join(cfg.out, 'metrics.csv');
    // Kill mid-interval, after at least two checkpoints, and not right on a checkpoint step.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const s = await lastLoggedStep(csv);
      if (s >= 7 && s % 3 !== 0) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        assert.fail(`child made no progress (last logged step ${s})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const logged = await lastLoggedStep(csv);

    const ckptPath = join(cfg.out, 'checkpoint.ckpt');
    const ckpt = await readCheckpointFile<{ step: number }>(ckptPath); // intact despite the kill
    assert.equal(ckpt.state.step % 3, 0);
    assert.ok(logged - ckpt.state.step < 3, `logged ${logged}, checkpoint at ${ckpt.state.step}: lost more than one interval`);
    assert.ok(ckpt.state.step >= 6);

    const resumed = await Trainer.resume(ckptPath, { steps: ckpt.state.step + 1 });
    try {
      assert.equal(resumed.step, ckpt.state.step);
      resumed.trainStep();
      const row = await resumed.sync();
      assert.equal(row!.step, ckpt.state.step + 1);
      assert.ok(Number.isFinite(row!.loss));
    } finally {
      resumed.dispose();
    }
    // The metrics file was cut back to the checkpoint: those steps are redone, not duplicated.
    assert.equal(await lastLoggedStep(csv), ckpt.state.step);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
