import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { CLASSICAL_CODECS } from '../weights-hash.js';
import type { ImageRole, JobExecutor, JobMetrics, JobResult } from '../job-runner.js';
import type { JobConfig } from '../jobs.js';
import type { RgbImage } from '../../image/types.js';

/**
 * The real job: resolve the codec, run the attack, evaluate honestly (src/attacks'
 * `attackAndEvaluate`), save the images. The attack and codec libraries are imported lazily, so
 * the runner, its tests and synthetic workers never load the tensor stack.
 */

// Module paths as values: lazily loaded, and the runner typechecks before those modules exist.
const ATTACKS_MODULE = '../../attacks/index.js';
const RESOLVE_MODULE = '../../codec/resolve.js';

interface AttackLib {
  attackAndEvaluate(codec: unknown, image: RgbImage, spec: Record<string, unknown>, onProgress?: (p: unknown) => void): Promise<Record<string, unknown>>;
}
interface ResolveLib {
  resolveCodec(spec: string, opts: Record<string, unknown>): Promise<{ dispose?(): void }>;
}

/** The codec spec string `resolveCodec` understands for this job. */
export function codecSpec(job: Pick<JobConfig, 'model' | 'quality' | 'weights'>): string {
  if (job.weights !== null) return job.weights;
  if (CLASSICAL_CODECS.has(job.model)) return `${job.model}@q${job.quality}`;
  return `${job.model}@${job.quality}`;
}

async function readRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(info.width * info.height * 3);
  for (let i = 0; i < out.length; i++) out[i] = data[i]! / 255;
  return { width: info.width, height: info.height, data: out };
}

async function writeRgb(img: RgbImage, path: string): Promise<void> {
  const bytes = Buffer.alloc(img.data.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(0, img.data[i]!)) * 255);
  await sharp(bytes, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(path);
}

function num(obj: unknown, ...paths: string[]): number | undefined {
  for (const p of paths) {
    let v: unknown = obj;
    for (const k of p.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** AttackResult → the runner's metrics; accepts nested ({clean:{psnr}}) or flat (psnrClean) records. */
export function metricsFromAttackResult(r: Record<string, unknown>, wallMs: number): JobMetrics {
  const psnrClean = num(r, 'clean.psnr', 'psnrClean', 'psnr.clean');
  const psnrAttacked = num(r, 'attacked.psnr', 'psnrAttacked', 'psnr.attacked', 'adversarial.psnr');
  const bppClean = num(r, 'clean.bpp', 'clean.bppReal', 'bppClean', 'bpp.clean');
  const bppAttacked = num(r, 'attacked.bpp', 'attacked.bppReal', 'bppAttacked', 'bpp.attacked', 'adversarial.bpp');
  if (psnrClean === undefined || psnrAttacked === undefined || bppClean === undefined || bppAttacked === undefined)
    throw new Error('attackAndEvaluate returned no clean/attacked PSNR and bpp');
  return {
    psnrClean,
    psnrAttacked,
    relPsnrDrop: num(r, 'relPsnrDrop', 'relativePsnrDrop') ?? (psnrClean - psnrAttacked) / psnrClean,
    bppClean,
    bppAttacked,
    bppRatio: num(r, 'bppRatio') ?? bppAttacked / bppClean,
    msssimClean: num(r, 'clean.msssim', 'msssimClean'),
    msssimAttacked: num(r, 'attacked.msssim', 'msssimAttacked', 'adversarial.msssim'),
    linf: num(r, 'perturbation.linf', 'linf'),
    l2: num(r, 'perturbation.l2', 'l2'),
    passes: num(r, 'passes'),
    wallMs: num(r, 'wallMs', 'wallTimeMs') ?? wallMs,
  };
}

const ROLES: ImageRole[] = ['adversarial', 'reconClean', 'reconAdversarial', 'perturbation'];

export const attackExecutor: JobExecutor = async (job, ctx) => {
  const t0 = performance.now();
  const [attacks, resolve] = (await Promise.all([import(ATTACKS_MODULE), import(RESOLVE_MODULE)])) as [AttackLib, ResolveLib];
  const codec = await resolve.resolveCodec(codecSpec(job), { seed: job.seed });
  try {
    const image = await readRgb(job.image);
    const { name, params, ...hyper } = job.attack;
    const spec = { ...params, ...hyper, attack: name, name, goal: job.goal, eps: job.eps, seed: job.seed, signal: ctx.signal };
    const raw = await attacks.attackAndEvaluate(codec, image, spec);
    const images: JobResult['images'] = { original: job.image };
    const carried = (raw.images ?? {}) as Record<string, unknown>;
    mkdirSync(ctx.outDir, { recursive: true });
    for (const role of ROLES) {
      const img = carried[role];
      if (typeof img === 'string') images[role] = img;
      else if (img && typeof img === 'object' && 'data' in img) {
        const path = join(ctx.outDir, `${role}.png`);
        await writeRgb(img as RgbImage, path);
        images[role] = path;
      }
    }
    const { images: _dropped, ...record } = raw;
    return { metrics: metricsFromAttackResult(record, performance.now() - t0), images, raw: record };
  } finally {
    codec.dispose?.();
  }
};
