import { z } from 'zod';
import { ConfigError } from '../../errors.js';

/** Robustness selection's defaults: the CLI's, and the schema's for checkpoints written before it. */
const SELECTION_DEFAULTS = {
  selectEvery: 0,
  selectData: '../shared/data/eval/sun_hays80',
  selectCount: 4,
  selectCrop: 256,
  selectSteps: 10,
} as const;

/**
 * An adversarial fine-tuning run (Madry-style, for codecs): each step, a batch of crops is
 * drawn; a fraction `mix` of it is replaced by PGD examples crafted against the CURRENT
 * weights; the RD loss is taken on the mix, distortion always measured against the ORIGINAL
 * crops. Stored in every checkpoint so `--resume` continues with the same settings.
 */
export const AdvTrainConfigSchema = z.object({
  /** Base weights: a shipped name (bmshj2018-hyperprior@3) or a weights file. */
  model: z.string().min(1),
  /** Resolved base weights file and its sha256 (filled in by create). */
  baseWeights: z.string().min(1),
  baseWeightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  quality: z.number().int().min(1).max(8),
  lambda: z.number().positive(),
  attack: z.enum(['pgd']),
  goal: z.enum(['distortion', 'rate', 'both']),
  /** L∞ budget on the [0,1] scale. */
  eps: z.number().positive().max(1),
  /** PGD steps per training step (3–5 keeps it affordable). */
  attackSteps: z.number().int().positive(),
  /** Quantization inside the attack's forward pass. */
  attackQuant: z.enum(['noise', 'ste']),
  /**
   * Quantization proxy of the training loss: 'noise' (CompressAI) or 'mixed' (rate at y + U,
   * decoder fed straight-through round(y)) — match the base model's own training. Absent in
   * older checkpoints: noise.
   */
  quantizer: z.enum(['noise', 'mixed']).default('noise'),
  /** Fraction of each batch replaced by adversarial crops. */
  mix: z.number().min(0).max(1),
  /** Linear ε ramp over this many steps (0: full ε from the start). */
  rampSteps: z.number().int().nonnegative(),
  steps: z.number().int().positive(),
  /**
   * Decay of the exponential moving average of the weights (0: off). When on, the average is
   * what selection measures and what is written. Absent in older checkpoints: off.
   */
  ema: z.number().min(0).lt(1).default(0),
  batch: z.number().int().positive(),
  crop: z.number().int().positive(),
  lr: z.number().positive(),
  auxLr: z.number().positive(),
  clip: z.number().nonnegative(),
  seed: z.number().int().nonnegative(),
  data: z.string().min(1),
  dataLimit: z.number().int().positive().optional(),
  valData: z.string().min(1),
  valCount: z.number().int().nonnegative(),
  valCrop: z.number().int().nonnegative(),
  /**
   * Robustness-validated selection (robust-selection.ts): every selectEvery steps (0: off, the
   * last weights are written) PGD-`selectSteps` at the full ε on `selectCount` centre crops of
   * `selectCrop`² from `selectData`; the most robust weights are written. Absent in older
   * checkpoints: off.
   */
  selectEvery: z.number().int().nonnegative().default(SELECTION_DEFAULTS.selectEvery),
  selectData: z.string().min(1).default(SELECTION_DEFAULTS.selectData),
  selectCount: z.number().int().positive().default(SELECTION_DEFAULTS.selectCount),
  selectCrop: z.number().int().positive().default(SELECTION_DEFAULTS.selectCrop),
  selectSteps: z.number().int().positive().default(SELECTION_DEFAULTS.selectSteps),
  ckptEvery: z.number().int().positive(),
  logEvery: z.number().int().positive(),
  out: z.string().min(1),
  command: z.string(),
});

export type AdvTrainConfig = z.infer<typeof AdvTrainConfigSchema>;

export const ADV_TRAIN_DEFAULTS = {
  attack: 'pgd',
  goal: 'both',
  eps: 8 / 255,
  attackSteps: 3,
  attackQuant: 'noise',
  quantizer: 'noise',
  mix: 0.5,
  rampSteps: 0,
  steps: 200,
  ema: 0,
  batch: 4,
  crop: 128,
  lr: 1e-5,
  auxLr: 1e-3,
  clip: 1,
  seed: 0,
  data: '../shared/data/train/bsds500',
  valData: '../shared/data/kodak',
  valCount: 2,
  valCrop: 256,
  ...SELECTION_DEFAULTS,
  ckptEvery: 50,
  logEvery: 5,
} as const;

export function parseAdvTrainConfig(input: unknown): AdvTrainConfig {
  const r = AdvTrainConfigSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`bad adversarial-training option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** ε at a step: the linear curriculum ramp, then constant. */
export function epsilonAt(cfg: Pick<AdvTrainConfig, 'eps' | 'rampSteps'>, step: number): number {
  return cfg.rampSteps > 0 ? cfg.eps * Math.min(1, (step + 1) / cfg.rampSteps) : cfg.eps;
}
