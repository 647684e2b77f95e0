import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../../src/cli/main.js';
import { expandGrid, specBaseDir } from '../../src/experiments/jobs.js';
import { runLocal } from '../../src/experiments/local-runner.js';
import { loadGridSpec } from '../../src/experiments/spec.js';
import { ResultStore } from '../../src/experiments/store.js';
import { exited, killAll, sleep, spawnCli, tempDir, writeImages, writeSpec } from './helpers.js';

const children = new Set<ChildProcess>();
after(() => killAll(children));

function syntheticSpec(extra: object = {}) {
  return {
    name: 'synth',
    kind: 'synthetic',
    codeVersion: 'test-v1',
    models: [{ name: 'bmshj2018-hyperprior', qualities: [2, 4] }],
    attacks: [{ name: 'pgd', steps: 3 }],
    goals: ['psnr'],
    budgets: ['2/255', '8/255'],
    images: ['images'],
    ...extra,
  };
}

/** The results table without timing columns: what must match between runs. */
function table(db: string): unknown[] {
  const d = new Database(db, { readonly: true });
  try {
    return d
      .prepare(`SELECT key, model, quality, attack, goal, eps, image, seed, psnr_clean, psnr_attacked, rel_psnr_drop, bpp_clean, bpp_attacked, bpp_ratio, code_version, weights_hash FROM results ORDER BY key`)
      .all();
  } finally {
    d.close();
  }
}

function countDone(db: string): number {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (d.prepare(`SELECT count(*) AS n FROM jobs WHERE status = 'done'`).get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0; // not created yet
  }
}

async function quietMain(argv: string[]): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
  try {
    return { code: await main(argv), stdout: out.join('') };
  } finally {
    process.stdout.write = write;
  }
}

test('runner: failed attempts are recorded and retried; a dying worker process is replaced', async () => {
  const t = tempDir('retry');
  try {
    await writeImages(t.dir, 2);
    const thrown = loadGridSpec(writeSpec(t.dir, syntheticSpec({ synthetic: { failAttempts: 1 } }), 'a.json'));
    const store = new ResultStore(join(t.dir, 'r.sqlite'), 'synth');
    const jobs = expandGrid(thrown, { baseDir: t.dir });
    const failures: string[] = [];
    const s1 = await runLocal(jobs, store, { workers: 2, maxRetries: 2, outDir: join(t.dir, 'out'), graceMs: 1000, onFailure: (_j, e) => failures.push(e) });
    assert.deepEqual({ done: s1.done, failed: s1.failed, remaining: s1.remaining }, { done: 8, failed: 0, remaining: 0 });
    assert.equal(failures.length, 8);
    assert.match(failures[0]!, /synthetic failure \(attempt 1\)/);
    const attempts = store.db.prepare(`SELECT attempts, error FROM jobs`).all() as Array<{ attempts: number; error: string | null }>;
    assert.ok(attempts.every((r) => r.attempts === 2 && r.error === null));

    // Worker processes that die on every attempt: three attempts each, then recorded as failed.
    const dying = loadGridSpec(writeSpec(t.dir, syntheticSpec({ images: ['images/img00.png'], budgets: [0.01], synthetic: { failAttempts: 9, crashMode: 'exit' } }), 'b.json'));
    const s2 = await runLocal(expandGrid(dying, { baseDir: t.dir }), store, { workers: 2, maxRetries: 2, outDir: join(t.dir, 'out'), graceMs: 1000 });
    assert.deepEqual({ done: s2.done, failed: s2.failed }, { done: 0, failed: 2 });
    const failed = store.db.prepare(`SELECT attempts, error FROM jobs WHERE status = 'failed'`).all() as Array<{ attempts: number; error: string }>;
    assert.equal(failed.length, 2);
    for (const f of failed) {
      assert.equal(f.attempts, 3);
      assert.match(f.error, /worker process died \(SIGKILL\)/);
    }
    store.close();
  } finally {
    t.cleanup();
  }
});

test('runner: SIGKILL mid-run, then resume: only unfinished jobs rerun and the table equals an uninterrupted run', async () => {
  const t = tempDir('resume');
  try {
    await writeImages(t.dir, 5);
    const spec = writeSpec(t.dir, syntheticSpec({ synthetic: { sleepMs: 100 } }));
    const total = 2 * 2 * 5;

    const killedDb = join(t.dir, 'killed.sqlite');
    const child = spawnCli(['grid', 'run', spec, '--db', killedDb, '--workers', '2'], children);
    const ended = exited(child);
    const deadline = Date.now() + 20000;
    while (countDone(killedDb) < 4 && Date.now() < deadline) await sleep(25);
    child.kill('SIGKILL');
    const { signal } = await ended;
    assert.equal(signal, 'SIGKILL');
    const doneAtKill = countDone(killedDb);
    assert.ok(doneAtKill >= 4 && doneAtKill < total, `killed after ${doneAtKill} of ${total} jobs`);

    const resumed = await quietMain(['--json', 'grid', 'run', spec, '--db', killedDb, '--workers', '2']);
    assert.equal(resumed.code, 0);
    const summary = JSON.parse(resumed.stdout);
    assert.equal(summary.skipped, doneAtKill, 'finished jobs are skipped');
    assert.equal(summary.done, total - doneAtKill, 'only unfinished jobs ran');
    assert.equal(summary.failed, 0);

    const cleanDb = join(t.dir, 'clean.sqlite');
    const clean = await quietMain(['--json', 'grid', 'run', spec, '--db', cleanDb, '--workers', '2']);
    assert.equal(clean.code, 0);
    assert.equal(JSON.parse(clean.stdout).done, total);

    const a = table(killedDb);
    assert.equal(a.length, total);
    assert.deepEqual(a, table(cleanDb));
    const integrity = new Database(killedDb, { readonly: true });
    assert.equal((integrity.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]!.integrity_check, 'ok');
    integrity.close();

    // A third run has nothing to do.
    const again = JSON.parse((await quietMain(['--json', 'grid', 'run', spec, '--db', killedDb])).stdout);
    assert.deepEqual({ skipped: again.skipped, done: again.done }, { skipped: total, done: 0 });
  } finally {
    t.cleanup();
  }
});

test('runner: Ctrl-C (SIGINT to the process group) stops handing out jobs, running ones finish, exit non-zero with a one-line summary', async () => {
  const t = tempDir('sigint');
  try {
    await writeImages(t.dir, 4);
    const spec = writeSpec(t.dir, syntheticSpec({ synthetic: { sleepMs: 300 } }));
    const db = join(t.dir, 'r.sqlite');
    const child = spawnCli(['grid', 'run', spec, '--db', db, '--workers', '2', '--grace', '5'], children, { detached: true });
    const ended = exited(child);
    const deadline = Date.now() + 20000;
    while (countDone(db) < 2 && Date.now() < deadline) await sleep(25);
    // The group of the runner we spawned (runner + its worker processes), as a terminal would signal it.
    process.kill(-child.pid!, 'SIGINT');
    const r = await ended;
    assert.equal(r.code, 130);
    assert.match(r.stdout.trim(), /^synth: \d+ done, 0 failed, \d+ remaining, 0 already in .*\(interrupted\)$/);
    const done = countDone(db);
    assert.ok(done < 16, `stopped early (${done} of 16 done)`);
    const d = new Database(db, { readonly: true });
    // every job handed out before the interrupt finished within the grace period
    assert.equal((d.prepare(`SELECT count(*) AS n FROM jobs WHERE status != 'done'`).get() as { n: number }).n, 0);
    d.close();
  } finally {
    t.cleanup();
  }
});

test('store: a job is stored once; later writes for a done key are ignored', async () => {
  const t = tempDir('store');
  try {
    await writeImages(t.dir, 1);
    const spec = loadGridSpec(writeSpec(t.dir, syntheticSpec()));
    const [job] = expandGrid(spec, { baseDir: specBaseDir(join(t.dir, 'spec.json')) });
    const store = new ResultStore(join(t.dir, 's.sqlite'));
    const result = { metrics: { psnrClean: 30, psnrAttacked: 20, relPsnrDrop: 1 / 3, bppClean: 0.5, bppAttacked: 1, bppRatio: 2, wallMs: 1 } };
    assert.equal(store.markDone(job!, result), true);
    assert.equal(store.markDone(job!, { ...result, metrics: { ...result.metrics, psnrAttacked: 1 } }), false);
    store.markFailed(job!, 'late failure');
    const row = store.db.prepare(`SELECT status, psnr_attacked, bpp_ratio FROM jobs JOIN results USING (key)`).get();
    assert.deepEqual(row, { status: 'done', psnr_attacked: 20, bpp_ratio: 2 });
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    store.close();
  } finally {
    t.cleanup();
  }
});
