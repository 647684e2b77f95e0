import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { codeVersion } from '../version.js';
import { manifestPathFor, readManifest, sha256Bytes } from '../models/weights/load.js';
import { ManifestSchema, type WeightsManifest } from '../models/weights/manifest.js';
import { writeSafetensors } from '../models/weights/safetensors.js';
import type { StateDict } from '../models/weights/types.js';
import type { TrainConfig } from './train-config.js';
import type { ValidationResult } from './validate.js';

/** The file stem of a run's shipped weights, e.g. "bmshj2018-hyperprior-mse-q3". */
export function weightsStem(cfg: Pick<TrainConfig, 'arch' | 'metric' | 'quality'>): string {
  return `${cfg.arch}-${cfg.metric}-q${cfg.quality}`;
}

/**
 * The lineage of weights fine-tuned from `init`: the init's own lineage plus the init run, read
 * from the manifest the weights loader finds beside it; empty when there is none (e.g. a
 * .pth.tar). Never throws: the trained weights are written whatever the init's manifest holds.
 */
export async function lineageOf(init: string | undefined): Promise<NonNullable<WeightsManifest['lineage']>> {
  const path = init === undefined ? undefined : manifestPathFor(init);
  if (!path) return [];
  let m: WeightsManifest;
  try {
    m = await readManifest(path);
  } catch {
    return [];
  }
  return [...(m.lineage ?? []), { command: m.command, steps: m.steps, sha256: m.sha256 }];
}

/**
 * Writes the project's weights format: `<stem>.safetensors` (state dict incl. the CDF tables
 * built by update(); F16 floats when cfg.fp16) and `<stem>.json`, the manifest, validated
 * against the shared schema. Both are written to temp names and renamed.
 */
export async function writeTrainedWeights(
  cfg: TrainConfig,
  sd: StateDict,
  steps: number,
  final: ValidationResult,
): Promise<{ weightsPath: string; manifestPath: string; manifest: WeightsManifest }> {
  const stem = weightsStem(cfg);
  const weightsPath = join(cfg.out, `${stem}.safetensors`);
  const manifestPath = join(cfg.out, `${stem}.json`);
  const lineage = await lineageOf(cfg.init);
  const bytes = writeSafetensors(sd, { fp16: cfg.fp16, metadata: { arch: cfg.arch, N: String(cfg.N), M: String(cfg.M) } });
  const manifest = ManifestSchema.parse({
    arch: cfg.arch,
    N: cfg.N,
    M: cfg.M,
    quality: cfg.quality,
    lambda: cfg.lambda,
    metric: cfg.metric,
    trainingData: cfg.dataLimit ? `${cfg.data} (first ${cfg.dataLimit} images)` : cfg.data,
    command: cfg.command || 'advlic train (library call)',
    seed: cfg.seed,
    steps,
    ...(lineage.length ? { lineage } : {}),
    kodak: {
      psnr: final.psnr,
      bpp: final.bppReal,
      ...(Number.isFinite(final.msssim) ? { msssim: final.msssim } : {}),
    },
    sha256: sha256Bytes(bytes),
    created: new Date().toISOString(),
    codeVersion: codeVersion(),
  } satisfies WeightsManifest);
  await writeFile(`${weightsPath}.tmp`, bytes);
  await rename(`${weightsPath}.tmp`, weightsPath);
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  await rename(`${manifestPath}.tmp`, manifestPath);
  return { weightsPath, manifestPath, manifest };
}
