import { dirname, isAbsolute, resolve } from 'node:path';
import { codeVersion as gitCodeVersion } from '../version.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { expandImages } from './images.js';
import type { GridSpec, SyntheticOptions } from './spec.js';
import { weightsHash } from './weights-hash.js';

/** One cell of the grid, everything an executor needs and nothing machine-specific but paths. */
export interface JobConfig {
  kind: GridSpec['kind'];
  model: string;
  quality: number | null;
  /** Absolute weights path, or null for shipped models and classical codecs. */
  weights: string | null;
  attack: { name: string; norm?: 'linf' | 'l2' | 'psnr'; steps?: number; stepSize?: number; randomStart?: boolean; params?: Record<string, unknown> };
  goal: string;
  eps: number;
  image: string;
  imageSha256: string;
  seed: number;
  synthetic?: SyntheticOptions;
}

export interface Job {
  /** sha256 of canonical JSON of {config without paths, weightsHash, codeVersion}. */
  key: string;
  config: JobConfig;
  weightsHash: string;
  codeVersion: string;
}

/** The key ignores where files live (image and weights enter by content hash). */
export function jobKey(config: JobConfig, weightsHash: string, codeVersion: string): string {
  const { image: _image, weights: _weights, ...identity } = config;
  return sha256Hex(canonicalJson({ config: identity, weightsHash, codeVersion }));
}

export interface ExpandOptions {
  /** Directory relative paths in the spec are resolved against (the spec file's folder). */
  baseDir: string;
  /** Overrides spec.codeVersion and `git describe`. */
  codeVersion?: string;
}

/** Spec → the full, ordered job list (images innermost, so early jobs cover every configuration). */
export function expandGrid(spec: GridSpec, opts: ExpandOptions): Job[] {
  const version = opts.codeVersion ?? spec.codeVersion ?? gitCodeVersion();
  const images = expandImages(spec.images, opts.baseDir, spec.maxImages);
  const seeds = spec.seeds ?? Array.from({ length: spec.repeats ?? 1 }, (_, i) => i);
  const jobs: Job[] = [];
  for (const model of spec.models) {
    const weights = model.weights === undefined ? null : isAbsolute(model.weights) ? model.weights : resolve(opts.baseDir, model.weights);
    for (const quality of model.qualities ?? [null]) {
      const wHash = weightsHash(model, quality, opts.baseDir);
      for (const a of spec.attacks) {
        const { eps: attackEps, ...attack } = a;
        for (const eps of attackEps ?? spec.budgets ?? []) {
          for (const goal of spec.goals) {
            for (const seed of seeds) {
              for (const img of images) {
                const config: JobConfig = {
                  kind: spec.kind, model: model.name, quality, weights, attack, goal, eps,
                  image: img.path, imageSha256: img.sha256, seed,
                  ...(spec.kind === 'synthetic' ? { synthetic: spec.synthetic ?? defaultSynthetic() } : {}),
                };
                jobs.push({ key: jobKey(config, wHash, version), config, weightsHash: wHash, codeVersion: version });
              }
            }
          }
        }
      }
    }
  }
  return dedupe(jobs);
}

function defaultSynthetic(): SyntheticOptions {
  return { sleepMs: 0, spinMs: 0, crashProbability: 0, failAttempts: 0, crashMode: 'throw' };
}

function dedupe(jobs: Job[]): Job[] {
  const seen = new Set<string>();
  return jobs.filter((j) => (seen.has(j.key) ? false : (seen.add(j.key), true)));
}

export function specBaseDir(specPath: string): string {
  return dirname(resolve(specPath));
}
