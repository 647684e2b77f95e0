import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageRole, JobExecutor, JobMetrics, JobResult } from '../job-runner.js';
import type { JobConfig } from '../jobs.js';
import type { Codec } from '../../codec/types.js';
import type { AttackResult, AttackSpec } from '../../attacks/attack-and-evaluate.js';
import type { GoalSpec } from '../../attacks/objectives.js';
import type { Budget } from '../../attacks/types.js';
import type { CodingEvaluation } from '../../attacks/evaluate.js';

/**
 * The real job: resolve the codec, run the attack and its honest evaluation (src/attacks'
 * `attackAndEvaluate`), save the images. The tensor stack is imported lazily, so the runner,
 * its tests and synthetic workers never load it.
 *
 * Per worker process, the last codec stays loaded (jobs come model-major, so consecutive jobs
 * share it) and the clean image's evaluation is cached per (codec, image): it is the same for
 * every attack, goal and budget.
 */

/** The codec spec `resolveCodec` understands: a weights file, else `name@quality` (shipped or classical). */
export function codecSpec(job: Pick<JobConfig, 'model' | 'quality' | 'weights'>): string {
  return job.weights ?? `${job.model}@${job.quality}`;
}

/** Grid goal names → the attack library's goals ('psnr' and 'bpp' are accepted as aliases). */
export function goalSpec(goal: string): GoalSpec {
  if (goal === 'psnr') return { goal: 'distortion', metric: 'psnr' };
  if (goal === 'bpp') return { goal: 'rate' };
  return { goal } as GoalSpec;
}

export function budgetOf(job: Pick<JobConfig, 'attack' | 'eps'>): Budget {
  const norm = job.attack.norm ?? 'linf';
  return norm === 'psnr' ? { norm, minPsnr: job.eps } : { norm, eps: job.eps };
}

export function attackSpecOf(job: JobConfig): AttackSpec {
  const { name, params, norm: _norm, ...hyper } = job.attack;
  const options: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(hyper)) if (v !== undefined) options[k] = v;
  return { method: name, options, goal: goalSpec(job.goal), budget: budgetOf(job), seed: job.seed };
}

/** AttackResult → the runner's metrics (DESIGN.md §6 definitions). */
export function metricsFromAttackResult(r: AttackResult): JobMetrics {
  const psnrClean = r.clean.psnr ?? Infinity;
  const psnrAttacked = r.attacked.psnr ?? Infinity;
  return {
    psnrClean,
    psnrAttacked,
    relPsnrDrop: r.psnrDropRel ?? 0,
    bppClean: r.clean.bppReal,
    bppAttacked: r.attacked.bppReal,
    bppRatio: r.bppRatio,
    msssimClean: r.clean.msSsim,
    msssimAttacked: r.attacked.msSsim,
    linf: r.perturbation.linf,
    l2: r.perturbation.l2,
    passes: r.counts.forward + r.counts.backward + r.counts.codecQueries,
    wallMs: r.attackMs + r.evaluationMs,
  };
}

let engineReady: Promise<unknown> | undefined;
let loaded: { spec: string; codec: Codec } | undefined;
/** (codec, image) → the clean evaluation and where its reconstruction was saved. */
const cleanCache = new Map<string, { evaluation: CodingEvaluation; recon?: string }>();

async function codecFor(spec: string, quality: number | null): Promise<Codec> {
  if (loaded?.spec === spec) return loaded.codec;
  loaded?.codec.dispose?.();
  loaded = undefined;
  cleanCache.clear();
  const { resolveCodec } = await import('../../codec/resolve.js');
  loaded = { spec, codec: await resolveCodec(spec, quality === null ? {} : { quality }) };
  return loaded.codec;
}

export const attackExecutor: JobExecutor = async (job, ctx) => {
  const { initEngine } = await import('../../engine/index.js');
  const threads = Number(process.env.ADVLIC_WORKER_THREADS) || undefined;
  await (engineReady ??= initEngine(threads ? { threads } : {}));
  const [{ attackAndEvaluate }, { readImage, writePng }] = await Promise.all([import('../../attacks/attack-and-evaluate.js'), import('../../image/index.js')]);
  const spec = codecSpec(job);
  const codec = await codecFor(spec, job.quality);
  const image = await readImage(job.image);
  const cleanKey = `${spec}|${job.imageSha256}`;
  const clean = cleanCache.get(cleanKey);
  const run = await attackAndEvaluate(codec, image, { ...attackSpecOf(job), ...(clean ? { clean: clean.evaluation } : {}) });
  if (ctx.signal.aborted) throw new Error('aborted');

  mkdirSync(ctx.outDir, { recursive: true });
  const images: Partial<Record<ImageRole, string>> = { original: job.image };
  const save = async (role: ImageRole, img: Parameters<typeof writePng>[1] | undefined) => {
    if (!img) return;
    const path = join(ctx.outDir, `${role}.png`);
    await writePng(path, img);
    images[role] = path;
  };
  await save('adversarial', run.adversarial);
  await save('reconAdversarial', run.reconstructions.attacked);
  await save('reconClean', run.reconstructions.clean);
  if (clean?.recon) images.reconClean = clean.recon;
  cleanCache.set(cleanKey, clean ?? { evaluation: run.result.clean, recon: images.reconClean });
  const result: JobResult = { metrics: metricsFromAttackResult(run.result), images, raw: run.result };
  return result;
};
