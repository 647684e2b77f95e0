import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { ARCH_NAMES } from '../models/types.js';

/**
 * Everything that defines a training run. Validated once, up front; stored in every
 * checkpoint so that `--resume` continues with exactly the same settings.
 */
export const TrainConfigSchema = z.object({
  arch: z.enum(ARCH_NAMES),
  N: z.number().int().positive(),
  M: z.number().int().positive(),
  /** The quality label recorded in the manifest (1..8). */
  quality: z.number().int().min(1).max(8),
  lambda: z.number().positive(),
  metric: z.enum(['mse', 'ms-ssim']),
  /** Training image folder (recursive JPEG/PNG). */
  data: z.string().min(1),
  /** Use only the first N images of the sorted folder listing (quick runs, tests). */
  dataLimit: z.number().int().positive().optional(),
  crop: z.number().int().positive(),
  flip: z.boolean(),
  batch: z.number().int().positive(),
  steps: z.number().int().positive(),
  lr: z.number().positive(),
  auxLr: z.number().positive(),
  /** Global-norm gradient clipping; 0 disables. */
  clip: z.number().nonnegative(),
  /**
   * Quantization proxy of the training forward: 'noise' (CompressAI's, y + U for rate and
   * decoder) or 'mixed' (noise for the rate, straight-through rounding for the decoder, so g_s
   * trains on the values it decodes). Absent in checkpoints written before it existed: 'noise'.
   */
  quantizer: z.enum(['noise', 'mixed']).default('noise'),
  /**
   * Weight averaging: an exponential moving average of the network's weights with this decay
   * per step is validated and written instead of the live weights; 0 is off (and the value of
   * checkpoints written before it existed).
   */
  ema: z.number().min(0).lt(1).default(0),
  /** 'constant' | 'step:EVERY[:FACTOR]' | 'plateau[:PATIENCE[:FACTOR]]' (see lr-schedule.ts). */
  schedule: z.string().min(1),
  seed: z.number().int().nonnegative(),
  /** Validation image folder (sorted; the first valCount images). */
  valData: z.string().min(1),
  valCount: z.number().int().nonnegative(),
  /** Centre-crop validation images to this size; 0 keeps full images. */
  valCrop: z.number().int().nonnegative(),
  valEvery: z.number().int().positive(),
  /** Images for the final evaluation written into the manifest (0: same as validation). */
  finalValCount: z.number().int().nonnegative(),
  ckptEvery: z.number().int().positive(),
  logEvery: z.number().int().positive(),
  out: z.string().min(1),
  /** Weights (safetensors or CompressAI .pth.tar) to start from instead of a random init. */
  init: z.string().optional(),
  /** With init: take only the tensors whose key and shape match (warm start from another architecture). */
  initPartial: z.boolean().optional(),
  fp16: z.boolean(),
  /** The command line that started the run (manifest). */
  command: z.string(),
});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const TRAIN_DEFAULTS = {
  metric: 'mse',
  data: '../shared/data/train/bsds500',
  crop: 256,
  flip: true,
  batch: 8,
  lr: 1e-4,
  auxLr: 1e-3,
  clip: 1.0,
  schedule: 'constant',
  quantizer: 'noise',
  ema: 0,
  seed: 0,
  valData: '../shared/data/kodak',
  valCount: 4,
  valCrop: 0,
  valEvery: 500,
  finalValCount: 24,
  ckptEvery: 500,
  logEvery: 10,
  fp16: false,
  initPartial: false,
} as const satisfies Partial<TrainConfig>;

export function parseTrainConfig(input: unknown): TrainConfig {
  const r = TrainConfigSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`bad training option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}
