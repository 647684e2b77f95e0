import { UsageError } from '../errors.js';
import type { JobConfig } from './jobs.js';

/** The numbers every job reports; the report reads these (DESIGN.md §6 definitions). */
export interface JobMetrics {
  psnrClean: number;
  psnrAttacked: number;
  /** (psnrClean - psnrAttacked) / psnrClean, against the original image. */
  relPsnrDrop: number;
  bppClean: number;
  bppAttacked: number;
  /** bppAttacked / bppClean. */
  bppRatio: number;
  msssimClean?: number;
  msssimAttacked?: number;
  /** Perturbation norms on the 8-bit-rounded adversarial image. */
  linf?: number;
  l2?: number;
  /** Forward/backward passes the attack spent. */
  passes?: number;
  wallMs: number;
}

export type ImageRole = 'original' | 'adversarial' | 'reconClean' | 'reconAdversarial' | 'perturbation';

export interface JobResult {
  metrics: JobMetrics;
  /** Saved images (absolute paths) for the report's gallery. */
  images?: Partial<Record<ImageRole, string>>;
  /** The executor's full record (e.g. the attack library's AttackResult), stored as JSON. */
  raw?: unknown;
}

export interface JobContext {
  /** Where this job may write files (unique per job key). */
  outDir: string;
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
}

/** Runs one job. Throwing marks the attempt failed (the runner retries up to its limit). */
export type JobExecutor = (job: JobConfig, ctx: JobContext) => Promise<JobResult>;

const registry = new Map<string, () => Promise<JobExecutor>>([
  ['attack', async () => (await import('./executors/attack.js')).attackExecutor],
  ['synthetic', async () => (await import('./executors/synthetic.js')).syntheticExecutor],
]);

/** Adds an executor kind (loaded lazily, so heavy libraries load only in workers that need them). */
export function registerExecutor(kind: string, load: () => Promise<JobExecutor>): void {
  if (registry.has(kind)) throw new Error(`executor kind '${kind}' is already registered`);
  registry.set(kind, load);
}

export function executorKinds(): string[] {
  return [...registry.keys()];
}

export async function runJob(job: JobConfig, ctx: JobContext): Promise<JobResult> {
  const load = registry.get(job.kind);
  if (!load) throw new UsageError(`no executor for job kind '${job.kind}' (known: ${executorKinds().join(', ')})`);
  const executor = await load();
  const result = await executor(job, ctx);
  checkMetrics(result.metrics, job.kind);
  return result;
}

function checkMetrics(m: JobMetrics, kind: string): void {
  for (const name of ['psnrClean', 'psnrAttacked', 'relPsnrDrop', 'bppClean', 'bppAttacked', 'bppRatio', 'wallMs'] as const) {
    if (typeof m[name] !== 'number' || Number.isNaN(m[name])) throw new Error(`executor '${kind}' returned no numeric metrics.${name}`);
  }
}
