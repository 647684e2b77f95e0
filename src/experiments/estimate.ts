import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isClassical } from './weights-hash.js';
import type { Job } from './jobs.js';

/**
 * Per-job time estimates for `grid plan`.
 *
 * Defaults (ms for one forward + input-gradient attack step on a 512x768 image, 2 cores): the
 * scale-hyperprior figure is the measured one-attack-step time of the engine prototype
 * (DESIGN.md §2: 4.9 s); the other architectures are scaled from it by their relative
 * convolution work (factorized has no hyper transforms, mean-scale doubles h_s's output, the
 * joint autoregressive model adds a context model and serial decoding, cheng2020 has residual
 * blocks and attention at N=128..192). A job = steps × step + 4 evaluation passes (clean and
 * adversarial compress + decompress), each costing about half a step. Classical codecs are
 * black-box: one query ≈ 40 ms (sharp JPEG/WebP round trip at this size).
 *
 * Measured numbers win: every bench/results/*.json object (at any depth) carrying a string
 * `arch` (or `model`) and a numeric `msPerStep` (or `stepMs`), optionally `width`/`height`,
 * overrides the default for that architecture.
 */
export const DEFAULT_STEP_MS: Record<string, number> = {
  'bmshj2018-factorized': 4000,
  'bmshj2018-hyperprior': 4900,
  'mbt2018-mean': 5400,
  mbt2018: 7500,
  'cheng2020-anchor': 14000,
  'cheng2020-attn': 17000,
};
const UNKNOWN_ARCH_STEP_MS = 4900;
const CLASSICAL_QUERY_MS = 40;
const REF_PIXELS = 512 * 768;
/** PGD's usual step count when the spec does not say. */
const DEFAULT_STEPS: Record<string, number> = { fgsm: 1, pgd: 10 };

export interface StepTime {
  msPerStep: number;
  pixels: number;
  source: string;
}

function collect(value: unknown, file: string, out: Map<string, StepTime>): void {
  if (Array.isArray(value)) return value.forEach((v) => collect(v, file, out));
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  const arch = typeof o.arch === 'string' ? o.arch : typeof o.model === 'string' ? o.model : undefined;
  const ms = typeof o.msPerStep === 'number' ? o.msPerStep : typeof o.stepMs === 'number' ? o.stepMs : undefined;
  if (arch !== undefined && ms !== undefined && ms > 0) {
    const pixels = typeof o.width === 'number' && typeof o.height === 'number' ? o.width * o.height : REF_PIXELS;
    out.set(arch, { msPerStep: ms, pixels, source: file });
  }
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object') collect(v, file, out);
}

/** Step times measured by benchmarks in `dir` (bench/results), by architecture. */
export function loadBenchStepTimes(dir: string): Map<string, StepTime> {
  const out = new Map<string, StepTime>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    try {
      collect(JSON.parse(readFileSync(join(dir, f), 'utf8')), join(dir, f), out);
    } catch {
      // A half-written or foreign JSON file is not an estimate source.
    }
  }
  return out;
}

export interface JobEstimate {
  ms: number;
  source: 'bench' | 'default';
}

export function estimateJob(job: Job, pixels: number, measured: Map<string, StepTime>): JobEstimate {
  const c = job.config;
  if (c.kind === 'synthetic') return { ms: (c.synthetic?.sleepMs ?? 0) + (c.synthetic?.spinMs ?? 0), source: 'default' };
  const steps = c.attack.steps ?? DEFAULT_STEPS[c.attack.name] ?? 10;
  if (isClassical(c.model)) return { ms: (steps + 4) * CLASSICAL_QUERY_MS * (pixels / REF_PIXELS), source: 'default' };
  const m = measured.get(c.model);
  const stepMs = m ? m.msPerStep * (pixels / m.pixels) : (DEFAULT_STEP_MS[c.model] ?? UNKNOWN_ARCH_STEP_MS) * (pixels / REF_PIXELS);
  return { ms: stepMs * (steps + 2), source: m ? 'bench' : 'default' };
}
