import { join } from 'node:path';
import sharp from 'sharp';
import { PACKAGE_ROOT } from '../version.js';
import { estimateJob, loadBenchStepTimes } from './estimate.js';
import { expandGrid, specBaseDir, type Job } from './jobs.js';
import { loadGridSpec, type GridSpec } from './spec.js';
import { missingShippedWeights, validateAttacks } from './validate-attacks.js';

export interface GridPlan {
  spec: GridSpec;
  specPath: string;
  jobs: Job[];
  /** Estimated single-worker time of all jobs, ms. */
  estimatedMs: number;
  /** How many job estimates came from bench results rather than defaults. */
  fromBench: number;
  /** Shipped model configurations without weights on this machine. */
  missingWeights: string[];
  counts: { models: number; configurations: number; attacks: number; goals: number; budgets: number; images: number; seeds: number };
}

/** Loads, validates and expands a spec file, and estimates its run time. */
export async function planGrid(specPath: string, opts: { codeVersion?: string; benchDir?: string } = {}): Promise<GridPlan> {
  const spec = loadGridSpec(specPath);
  await validateAttacks(spec, specPath);
  const jobs = expandGrid(spec, { baseDir: specBaseDir(specPath), codeVersion: opts.codeVersion });
  const measured = loadBenchStepTimes(opts.benchDir ?? join(PACKAGE_ROOT, 'bench', 'results'));
  const pixels = new Map<string, number>();
  for (const image of new Set(jobs.map((j) => j.config.image))) {
    const meta = await sharp(image).metadata().catch(() => undefined);
    pixels.set(image, (meta?.width ?? 768) * (meta?.height ?? 512));
  }
  let estimatedMs = 0;
  let fromBench = 0;
  for (const j of jobs) {
    const e = estimateJob(j, pixels.get(j.config.image)!, measured);
    estimatedMs += e.ms;
    if (e.source === 'bench') fromBench++;
  }
  const uniq = (f: (j: Job) => unknown) => new Set(jobs.map(f)).size;
  return {
    spec, specPath, jobs, estimatedMs, fromBench, missingWeights: await missingShippedWeights(spec),
    counts: {
      models: uniq((j) => j.config.model),
      configurations: uniq((j) => `${j.config.model}@${j.config.quality}`),
      attacks: uniq((j) => j.config.attack.name),
      goals: uniq((j) => j.config.goal),
      budgets: uniq((j) => j.config.eps),
      images: uniq((j) => j.config.imageSha256),
      seeds: uniq((j) => j.config.seed),
    },
  };
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
