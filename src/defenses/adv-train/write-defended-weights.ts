import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { codeVersion } from '../../version.js';
import { sha256Bytes } from '../../models/weights/load.js';
import { ManifestSchema, type WeightsManifest } from '../../models/weights/manifest.js';
import { writeSafetensors } from '../../models/weights/safetensors.js';
import type { LearnedModel } from '../../models/types.js';
import type { ValidationResult } from '../../train/validate.js';
import type { AdvTrainConfig } from './config.js';
import type { SelectionPoint } from './robust-selection.js';

/** "bmshj2018-hyperprior-q3-advtrain": resolves as the shipped variant "bmshj2018-hyperprior@3:advtrain". */
export function advWeightsStem(arch: string, quality: number): string {
  return `${arch}-q${quality}-advtrain`;
}

/**
 * Writes `<stem>.safetensors` + `<stem>.json` (temp names, then renamed). The manifest's
 * `defence` field records the recipe: method 'adv-train', attack, ε, the base weights' sha256
 * and the details (goal, steps, quantizers, mix, weight averaging, curriculum, selection).
 */
export async function writeDefendedWeights(
  cfg: AdvTrainConfig,
  model: LearnedModel,
  steps: number,
  final: ValidationResult,
  selection?: { trainedSteps: number; history: SelectionPoint[] },
): Promise<{ weightsPath: string; manifestPath: string; manifest: WeightsManifest }> {
  const { arch, N, M } = model.config;
  const stem = advWeightsStem(arch, cfg.quality);
  const weightsPath = join(cfg.out, `${stem}.safetensors`);
  const manifestPath = join(cfg.out, `${stem}.json`);
  const bytes = writeSafetensors(model.stateDict(), { metadata: { arch, N: String(N), M: String(M) } });
  const manifest = ManifestSchema.parse({
    arch,
    N,
    M,
    quality: cfg.quality,
    lambda: cfg.lambda,
    metric: 'mse',
    trainingData: cfg.dataLimit ? `${cfg.data} (first ${cfg.dataLimit} images)` : cfg.data,
    command: cfg.command || 'advlic defend adv-train (library call)',
    seed: cfg.seed,
    steps,
    kodak: { psnr: final.psnr, bpp: final.bppReal },
    sha256: sha256Bytes(bytes),
    created: new Date().toISOString(),
    codeVersion: codeVersion(),
    defence: {
      method: 'adv-train',
      attack: cfg.attack,
      epsilon: cfg.eps,
      baseWeightsSha256: cfg.baseWeightsSha256,
      details: {
        baseModel: cfg.model,
        goal: cfg.goal,
        attackSteps: cfg.attackSteps,
        attackQuant: cfg.attackQuant,
        quantizer: cfg.quantizer,
        mix: cfg.mix,
        ...(cfg.ema > 0 ? { weightAverageDecay: cfg.ema } : {}),
        rampSteps: cfg.rampSteps,
        batch: cfg.batch,
        crop: cfg.crop,
        lr: cfg.lr,
        validation: { images: final.images, crop: cfg.valCrop },
        ...(selection
          ? {
              selection: {
                method: `most robust of the checkpoints every ${cfg.selectEvery} steps (step 0 = base): PGD-${cfg.selectSteps} at ε=${cfg.eps.toFixed(5)} on ${cfg.selectCount} centre crops of ${cfg.selectCrop}² from ${cfg.selectData}`,
                trainedSteps: selection.trainedSteps,
                selectedStep: steps,
                history: selection.history,
              },
            }
          : {}),
      },
    },
  } satisfies WeightsManifest);
  await writeFile(`${weightsPath}.tmp`, bytes);
  await rename(`${weightsPath}.tmp`, weightsPath);
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  await rename(`${manifestPath}.tmp`, manifestPath);
  return { weightsPath, manifestPath, manifest };
}
