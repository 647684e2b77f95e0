/**
 * Grid runner throughput: jobs per minute with 1 and 2 local worker processes, and the scaling
 * ratio, for (a) synthetic CPU-bound jobs (a busy loop of fixed length: isolates the runner's
 * overhead and the cores' parallelism) and (b) real small attack jobs (CompressAI's tiny
 * hyperprior, PGD on a 64x64 crop) when the reference checkpoint exists. Wall time includes
 * worker start-up, as a real run pays it. Prints one JSON document.
 *
 *   node --import tsx bench/grid.ts [--jobs 16] [--spin-ms 250]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expandGrid } from '../src/experiments/jobs.js';
import { runLocal } from '../src/experiments/local-runner.js';
import { parseGridSpec } from '../src/experiments/spec.js';
import { ResultStore } from '../src/experiments/store.js';
import { SHARED_DIR } from '../src/shared-data.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const JOBS = arg('jobs', 16);
const SPIN_MS = arg('spin-ms', 250);
const CKPT = `${SHARED_DIR}/reference/compressai/bmshj2018-hyperprior-q1-tiny.pth.tar`;
const IMAGE = `${SHARED_DIR}/reference/compressai/input.png`;

async function measure(dir: string, spec: unknown, workers: number, tag: string) {
  const jobs = expandGrid(parseGridSpec(spec), { baseDir: dir, codeVersion: 'bench' });
  const store = new ResultStore(join(dir, `${tag}-${workers}.sqlite`));
  const s = await runLocal(jobs, store, { workers, maxRetries: 0, outDir: join(dir, `${tag}-${workers}`), graceMs: 1000 });
  store.close();
  if (s.done !== jobs.length) throw new Error(`${tag}: ${s.failed} of ${jobs.length} jobs failed`);
  return { workers, jobs: jobs.length, wallMs: Math.round(s.wallMs), jobsPerMinute: +(jobs.length / (s.wallMs / 60000)).toFixed(1) };
}

async function compare(dir: string, spec: unknown, tag: string) {
  const one = await measure(dir, spec, 1, tag);
  const two = await measure(dir, spec, 2, tag);
  return { one, two, scaling: +(two.jobsPerMinute / one.jobsPerMinute).toFixed(2) };
}

const dir = mkdtempSync(join(tmpdir(), 'advlic-bench-grid-'));
try {
  // One distinct image per job, so every job has its own key.
  const px = Buffer.alloc(16 * 16 * 3);
  for (let i = 0; i < JOBS; i++) {
    px[0] = i;
    await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(dir, `s${i}.png`));
  }
  const synthetic = await compare(dir, {
    kind: 'synthetic', models: [{ name: 'bmshj2018-hyperprior', qualities: [1] }], attacks: [{ name: 'pgd' }],
    goals: ['distortion'], budgets: [0.01], images: ['s*.png'], synthetic: { spinMs: SPIN_MS },
  }, 'synthetic');

  let attack: unknown = { skipped: `missing ${CKPT}` };
  if (existsSync(CKPT)) {
    await sharp(IMAGE).extract({ left: 0, top: 0, width: 64, height: 64 }).png().toFile(join(dir, 'crop.png'));
    writeFileSync(join(dir, 'note.txt'), 'tiny hyperprior attack jobs');
    attack = await compare(dir, {
      models: [{ name: 'bmshj2018-hyperprior', weights: CKPT, qualities: [1] }],
      attacks: [{ name: 'pgd', steps: 5 }], goals: ['distortion', 'rate'],
      budgets: ['1/255', '2/255', '4/255', '8/255'], images: ['crop.png'], seeds: [0],
    }, 'attack');
  }
  console.log(JSON.stringify({
    bench: 'grid', cores: availableParallelism(), loadAverage1m: +loadavg()[0]!.toFixed(2),
    synthetic: { spinMsPerJob: SPIN_MS, ...synthetic },
    attack: typeof attack === 'object' && attack !== null && 'one' in attack ? { job: 'tiny hyperprior N=16/M=24, PGD 5 steps, 64x64', ...attack } : attack,
  }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
