/**
 * Training throughput: optimisation steps per second (RD loss forward + backward, clipped Adam,
 * aux Adam — exactly Trainer.trainStep) per configuration, on BSDS500 crops.
 * Wall time depends on what else runs on the machine, so CPU time per step (all threads of
 * this process) is reported too.
 *
 * Usage: node --import tsx bench/train.ts [--configs arch:N:M[:EMA],...] [--batch 8] [--crop 128]
 *        [--steps 5] [--warmup 2] [--ab]
 * Default configs: the four compact candidates at two sizes each. EMA: a weight-average decay
 * (`train --ema`), e.g. bmshj2018-hyperprior:64:96,bmshj2018-hyperprior:64:96:0.995 times its cost.
 * Prints one JSON document: { engine, batch, crop, results: [{ arch, N, M, stepsPerSecond, ... }] }.
 * The CLI (bin/advlic.js, so `advlic train`) runs with glibc's malloc settings
 * MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184; to time as the CLI runs, prefix them:
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/train.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initEngine, tf } from '../src/engine/index.js';
import { thresholds } from '../src/engine/ort/thresholds.js';
import { ARCH_NAMES, type ArchName } from '../src/models/types.js';
import { TRAIN_DEFAULTS } from '../src/train/train-config.js';
import { Trainer } from '../src/train/trainer.js';
import { PACKAGE_ROOT } from '../src/version.js';

const { values: a } = parseArgs({
  options: {
    configs: { type: 'string', default: 'bmshj2018-factorized:64:96,bmshj2018-hyperprior:64:96,bmshj2018-hyperprior:96:128,mbt2018-mean:64:96,mbt2018:64:96' },
    batch: { type: 'string', default: '8' },
    crop: { type: 'string', default: '128' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    data: { type: 'string', default: join(PACKAGE_ROOT, TRAIN_DEFAULTS.data) },
    ab: { type: 'boolean', default: false },
  },
});

/**
 * --ab: each configuration's steps also on the previous engine settings (GDN and convs on whole
 * tensors, bias-gradient sums through a float64 copy), alternated block by block with the
 * current ones in the same trainer, so that both see the same machine load.
 */
const CURRENT = { ...thresholds };
const PREVIOUS = { chunkElements: Infinity, bandElements: Infinity, groupedSums: false };

async function timeSteps(trainer: Trainer, n: number): Promise<{ wallMs: number; cpuMs: number; loss?: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) trainer.trainStep();
  const last = await trainer.sync(); // the only host read: included in the timing
  const cpu = process.cpuUsage(c0);
  return { wallMs: (performance.now() - t0) / n, cpuMs: (cpu.user + cpu.system) / 1000 / n, loss: last?.loss };
}
const batch = Number(a.batch);
const crop = Number(a.crop);
const steps = Number(a.steps);
const warmup = Number(a.warmup);
const { name: engine } = await initEngine();
const out = await mkdtemp(join(tmpdir(), 'advlic-bench-train-'));

const results = [];
try {
  for (const spec of a.configs!.split(',')) {
    const [arch, N, M, ema = '0'] = spec.split(':');
    if (!(ARCH_NAMES as readonly string[]).includes(arch!)) throw new Error(`unknown arch ${arch}`);
    const trainer = await Trainer.create({
      ...TRAIN_DEFAULTS,
      arch: arch as ArchName,
      N: Number(N),
      M: Number(M),
      quality: 3,
      ema: Number(ema),
      lambda: 0.0067,
      data: a.data!,
      dataLimit: 32,
      crop,
      batch,
      steps: warmup + steps * (a.ab ? 5 : 1) + 2,
      valData: a.data!,
      valCount: 0,
      finalValCount: 1, // required by the config; the bench never reaches the final evaluation
      out: join(out, spec.replace(/:/g, '_')),
      command: 'bench/train.ts',
    });
    const params = [...trainer.model.parameters().values()].reduce((n, v) => n + v.size, 0);
    for (let i = 0; i < warmup; i++) trainer.trainStep();
    await trainer.sync();
    let ab: Record<string, unknown> | undefined;
    if (a.ab) {
      const ms = { current: [] as number[], previous: [] as number[] };
      for (let round = 0; round < 2; round++) {
        for (const v of ['current', 'previous'] as const) {
          Object.assign(thresholds, v === 'current' ? CURRENT : PREVIOUS);
          if (round === 0) await timeSteps(trainer, 1); // sessions of this variant's shapes
          ms[v].push((await timeSteps(trainer, steps)).wallMs);
        }
      }
      Object.assign(thresholds, CURRENT);
      const mean = (t: number[]): number => t.reduce((x, y) => x + y, 0) / t.length;
      ab = { currentMsPerStep: Math.round(mean(ms.current)), previousMsPerStep: Math.round(mean(ms.previous)), speedup: Number((mean(ms.previous) / mean(ms.current)).toFixed(3)) };
    }
    const { wallMs, cpuMs, loss } = await timeSteps(trainer, steps);
    results.push({
      arch,
      N: Number(N),
      M: Number(M),
      ema: Number(ema),
      params,
      msPerStep: Math.round(wallMs),
      stepsPerSecond: Number((1000 / wallMs).toFixed(3)),
      cpuMsPerStep: Math.round(cpuMs),
      loss,
      ...(ab ? { ab } : {}),
      tensorsAlive: tf.memory().numTensors,
    });
    trainer.dispose();
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
console.log(JSON.stringify({ engine, batch, crop, steps, warmup, results }, null, 2));
