import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { expandGrid } from '../../src/experiments/jobs.js';
import { runQueued } from '../../src/experiments/queue-coordinator.js';
import { redisConnection } from '../../src/experiments/redis.js';
import { loadGridSpec, parseGridSpec } from '../../src/experiments/spec.js';
import { ResultStore } from '../../src/experiments/store.js';
import { exited, killAll, spawnCli, tempDir, writeImages, writeSpec } from './helpers.js';

const children = new Set<ChildProcess>();
const t = tempDir('queue');
after(() => {
  killAll(children);
  t.cleanup();
});

function redisServerPath(): string | undefined {
  try {
    return execFileSync('which', ['redis-server']).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function startRedis(bin: string): Promise<string> {
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  await new Promise<void>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`redis-server did not start: ${out}`)), 10000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        res();
      }
    });
    child.once('exit', (code) => rej(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return `redis://127.0.0.1:${port}`;
}

const bin = redisServerPath();

test('queue: two BullMQ workers on a real redis-server split a grid; each job is stored exactly once', { skip: bin ? false : 'redis-server is not installed (apt-get install redis-server)' }, async () => {
  const url = await startRedis(bin!);
  await writeImages(t.dir, 6);
  const specBody = {
    name: 'q', kind: 'synthetic', codeVersion: 'test-q',
    models: [{ name: 'bmshj2018-hyperprior', qualities: [3] }],
    attacks: [{ name: 'fgsm' }], goals: ['psnr', 'bpp'], budgets: [0.01],
    images: ['images'], synthetic: { sleepMs: 150 },
  };
  const spec = loadGridSpec(writeSpec(t.dir, specBody));
  const jobs = expandGrid(spec, { baseDir: t.dir });
  assert.equal(jobs.length, 12);
  const queueName = 'advlic-test';

  // Enqueueing twice (two coordinator starts) must not duplicate: job id = job key.
  const conn = redisConnection(url);
  const queue = new Queue(queueName, { connection: conn });
  const opts = { jobId: jobs[0]!.key };
  await queue.add('synthetic', jobs[0]!, opts);
  await queue.add('synthetic', jobs[0]!, opts);
  assert.equal(await queue.getWaitingCount(), 1);

  const workers = [0, 1].map(() => spawnCli(['worker', '--redis', url, '--queue', queueName, '--concurrency', '1', '--out', join(t.dir, 'w')], children));
  const workerExits = workers.map(exited);
  const store = new ResultStore(join(t.dir, 'q.sqlite'), 'q');
  const abort = new AbortController();
  const guard = setTimeout(() => abort.abort(), 40000);
  try {
    const summary = await runQueued(jobs, store, { redis: url, queueName, maxRetries: 1, signal: abort.signal, graceMs: 1000 });
    assert.equal(summary.interrupted, false, 'finished before the guard timeout');
    assert.deepEqual({ done: summary.done, failed: summary.failed, remaining: summary.remaining }, { done: 12, failed: 0, remaining: 0 });

    const rows = store.db.prepare(`SELECT key, worker, status FROM jobs`).all() as Array<{ key: string; worker: string; status: string }>;
    assert.equal(rows.length, 12);
    assert.deepEqual(new Set(rows.map((r) => r.key)), new Set(jobs.map((j) => j.key)));
    assert.ok(rows.every((r) => r.status === 'done'));
    const perWorker = new Map<string, number>();
    for (const r of rows) perWorker.set(r.worker, (perWorker.get(r.worker) ?? 0) + 1);
    assert.equal(perWorker.size, 2, `both workers took jobs: ${JSON.stringify([...perWorker])}`);
    // Results match what the executor computes locally (same metrics, through Redis and back).
    const { syntheticMetrics } = await import('../../src/experiments/executors/synthetic.js');
    const r0 = store.db.prepare(`SELECT psnr_attacked, bpp_ratio FROM results WHERE key = ?`).get(jobs[3]!.key) as { psnr_attacked: number; bpp_ratio: number };
    const m = syntheticMetrics(jobs[3]!.config);
    assert.ok(Math.abs(r0.psnr_attacked - m.psnrAttacked) < 1e-9 && Math.abs(r0.bpp_ratio - m.bppRatio) < 1e-9);
    // Stored jobs are removed from Redis; a second coordinator run has nothing to do.
    assert.equal((await queue.getJobCounts('completed', 'failed', 'waiting', 'active')).completed, 0);
    const again = await runQueued(jobs, store, { redis: url, queueName, maxRetries: 1, graceMs: 1000 });
    assert.deepEqual({ skipped: again.skipped, done: again.done }, { skipped: 12, done: 0 });

    // Failing attempts are retried by BullMQ up to the limit, then recorded as failed with the error.
    const flaky = (failAttempts: number, codeVersion: string) =>
      expandGrid(parseGridSpec({ ...specBody, codeVersion, images: ['images/img00.png'], synthetic: { failAttempts } }), { baseDir: t.dir });
    const retried = await runQueued(flaky(1, 'flaky'), store, { redis: url, queueName, maxRetries: 1, signal: abort.signal, graceMs: 1000 });
    assert.deepEqual({ done: retried.done, failed: retried.failed }, { done: 2, failed: 0 });
    const broken = await runQueued(flaky(5, 'broken'), store, { redis: url, queueName, maxRetries: 1, signal: abort.signal, graceMs: 1000 });
    assert.deepEqual({ done: broken.done, failed: broken.failed }, { done: 0, failed: 2 });
    const byVersion = store.db.prepare(`SELECT code_version, status, attempts, error FROM jobs WHERE code_version IN ('flaky', 'broken')`).all() as Array<{ code_version: string; status: string; attempts: number; error: string | null }>;
    assert.equal(byVersion.length, 4);
    for (const r of byVersion) {
      assert.equal(r.attempts, 2);
      if (r.code_version === 'flaky') assert.deepEqual([r.status, r.error], ['done', null]);
      else assert.deepEqual([r.status, r.error], ['failed', 'synthetic failure (attempt 2)']);
    }
  } finally {
    clearTimeout(guard);
    store.close();
    await queue.close();
    conn.disconnect();
    for (const w of workers) w.kill('SIGINT');
  }
  const ends = await Promise.all(workerExits);
  for (const e of ends) {
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /jobs processed/);
  }
});
