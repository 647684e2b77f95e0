/**
 * The JSON manifest shipped beside every safetensors file of our own: what was trained, how,
 * how well it does on Kodak, and the sha256 of the weights it describes.
 */
import { z } from 'zod';
import { ARCH_NAMES } from '../types.js';

export const ManifestSchema = z.object({
  arch: z.enum(ARCH_NAMES),
  N: z.number().int().positive(),
  M: z.number().int().positive(),
  quality: z.number().int().min(1).max(8),
  lambda: z.number().positive(),
  metric: z.enum(['mse', 'ms-ssim']),
  trainingData: z.string().min(1),
  command: z.string().min(1),
  seed: z.number().int(),
  steps: z.number().int().nonnegative(),
  /**
   * Mean real bpp / PSNR / MS-SSIM on Kodak. `images`: how many full Kodak images (the first n,
   * sorted) when measured by `advlic rd` on the shipped file (scripts/ship-weights.ts
   * --kodak-from); absent for numbers from training's final validation.
   */
  kodak: z.object({ psnr: z.number(), bpp: z.number().nonnegative(), msssim: z.number().optional(), images: z.number().int().positive().optional() }),
  /** Hex sha256 of the safetensors file. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** ISO 8601 timestamp. */
  created: z.string().datetime(),
  codeVersion: z.string().min(1),
  /**
   * The runs these weights descend from (via --init), oldest first: with `command` and `steps`
   * it is the whole recipe, e.g. a λ fine-tune of a model trained from scratch.
   */
  lineage: z
    .array(z.object({ command: z.string().min(1), steps: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .optional(),
  /**
   * Entries of the Gaussian conditional's scale table when it is not CompressAI's 64 (the file
   * stores the table: scripts/ship-weights.ts --scale-levels).
   */
  scaleTableLevels: z.number().int().min(2).optional(),
  /** Adversarial-training or other defence recipe, when the weights come from one. */
  defence: z
    .object({
      method: z.string().min(1),
      attack: z.string().optional(),
      epsilon: z.number().optional(),
      baseWeightsSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
      details: z.record(z.unknown()).optional(),
    })
    .optional(),
});

export type WeightsManifest = z.infer<typeof ManifestSchema>;
