import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseBudget } from './budget.js';

/**
 * The grid spec (YAML or JSON): models × qualities × attacks × goals × budgets × images × seeds.
 * Validated by one zod schema; every refusal names the field (`attacks[1].eps: ...`).
 */

const budget = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseBudget(v);
  if (n === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a non-negative number or a fraction like "4/255", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});
const budgetList = z.union([budget, z.array(budget).nonempty()]).transform((v) => (Array.isArray(v) ? v : [v]));

const modelSchema = z
  .object({
    /** Shipped architecture (`bmshj2018-hyperprior`), classical codec (`jpeg`), or a label for `weights`. */
    name: z.string().min(1),
    qualities: z.array(z.number().int().min(0).max(100)).nonempty().optional(),
    /** A weights file (safetensors + manifest, or a CompressAI .pth.tar); hashed into the job key. */
    weights: z.string().min(1).optional(),
  })
  .strict()
  .refine((m) => m.qualities !== undefined || m.weights !== undefined, {
    message: 'give `qualities` (shipped models and classical codecs) or a `weights` file',
    path: ['qualities'],
  });

const attackSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case attack name like "pgd"'),
    /** Overrides the grid's `budgets` for this attack. */
    eps: budgetList.optional(),
    /** linf / l2: budgets are eps in [0,1] units; psnr: budgets are the minimum PSNR (dB) of x_adv vs x. */
    norm: z.enum(['linf', 'l2', 'psnr']).optional(),
    steps: z.number().int().positive().optional(),
    stepSize: budget.optional(),
    randomStart: z.boolean().optional(),
    /** Further attack-specific parameters, passed through unchanged (and hashed into the key). */
    params: z.record(z.unknown()).optional(),
  })
  .strict();

const syntheticSchema = z
  .object({
    sleepMs: z.number().min(0).default(0),
    /** Busy-loop this long instead of sleeping (a CPU-bound job for benchmarks). */
    spinMs: z.number().min(0).default(0),
    /** Probability that an attempt fails, drawn from a generator seeded by (job key, attempt). */
    crashProbability: z.number().min(0).max(1).default(0),
    /** The first N attempts of every job fail (deterministic retries for tests). */
    failAttempts: z.number().int().min(0).default(0),
    /** How a failing attempt fails: a thrown error, or the worker process dying. */
    crashMode: z.enum(['throw', 'exit']).default('throw'),
  })
  .strict();

export const gridSpecSchema = z
  .object({
    name: z.string().min(1).default('grid'),
    /** 'attack' runs attack + honest evaluation; 'synthetic' is a deterministic stand-in for tests and benchmarks. */
    kind: z.enum(['attack', 'synthetic']).default('attack'),
    models: z.array(modelSchema).nonempty(),
    attacks: z.array(attackSchema).nonempty(),
    /** Attack goals: distortion, ms-ssim, rate, rd (aliases: psnr = distortion in PSNR, bpp = rate). */
    goals: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a goal name like "distortion" or "rate"')).nonempty(),
    budgets: budgetList.optional(),
    images: z.array(z.string().min(1)).nonempty(),
    /** Keep only the first N images (sorted by path) after expansion. */
    maxImages: z.number().int().positive().optional(),
    seeds: z.array(z.number().int().min(0)).nonempty().optional(),
    /** Shorthand for seeds 0..repeats-1 (ignored when `seeds` is given). */
    repeats: z.number().int().positive().optional(),
    /** Pins the code version stored in keys and rows (default: `git describe`). */
    codeVersion: z.string().min(1).optional(),
    synthetic: syntheticSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.attacks.forEach((a, i) => {
      if (a.eps === undefined && s.budgets === undefined)
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['attacks', i, 'eps'], message: 'no budget: give `eps` here or a grid-level `budgets` list' });
    });
  });

export type GridSpec = z.output<typeof gridSpecSchema>;
export type SyntheticOptions = z.output<typeof syntheticSchema>;

/** `attacks[1].eps` from a zod path. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(root)' : out;
}

export function formatIssues(error: z.ZodError, limit = 3): string {
  const parts = error.issues.slice(0, limit).map((i) => `${formatPath(i.path)}: ${i.message}`);
  if (error.issues.length > limit) parts.push(`(+${error.issues.length - limit} more)`);
  return parts.join('; ');
}

/** Validates an already-parsed spec object; `source` names the file in messages. */
export function parseGridSpec(raw: unknown, source = 'spec'): GridSpec {
  const result = gridSpecSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source}: ${formatIssues(result.error)}`);
  return result.data;
}

/** Reads a YAML (.yaml/.yml) or JSON spec file and validates it. */
export function loadGridSpec(path: string): GridSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read grid spec ${path}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  return parseGridSpec(raw, path);
}
