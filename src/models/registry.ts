import { UnknownModelError, WeightsMismatchError, UsageError } from '../errors.js';
import { ARCH_NAMES, type ArchName, type LearnedModel, type ModelConfig } from './types.js';
import type { StateDictMap } from './param-store.js';
import { normalizeStateDict } from './weights/normalize.js';
import type { ModelOptions } from './architectures/compression-model.js';
import { FactorizedPrior } from './architectures/factorized-prior.js';
import { ScaleHyperprior } from './architectures/scale-hyperprior.js';
import { MeanScaleHyperprior } from './architectures/mean-scale-hyperprior.js';
import { JointAutoregressiveHierarchicalPriors } from './architectures/mbt2018.js';
import { Cheng2020Anchor } from './architectures/cheng2020-anchor.js';
import { Cheng2020Attention } from './architectures/cheng2020-attn.js';

export type ModelFactory = (N: number, M: number, opts?: ModelOptions) => LearnedModel;

const factories = new Map<ArchName, ModelFactory>([
  ['bmshj2018-factorized', (N, M, o) => new FactorizedPrior(N, M, o)],
  ['bmshj2018-hyperprior', (N, M, o) => new ScaleHyperprior(N, M, o)],
  ['mbt2018-mean', (N, M, o) => new MeanScaleHyperprior(N, M, o)],
  ['mbt2018', (N, M, o) => new JointAutoregressiveHierarchicalPriors(N, M, o)],
  ['cheng2020-anchor', (N, _M, o) => new Cheng2020Anchor(N, o)],
  ['cheng2020-attn', (N, _M, o) => new Cheng2020Attention(N, o)],
]);

/** Adds (or replaces) an architecture's factory, e.g. from the module that defines it. */
export function registerArchitecture(arch: ArchName, factory: ModelFactory): void {
  factories.set(arch, factory);
}

export function availableArchitectures(): ArchName[] {
  return ARCH_NAMES.filter((a) => factories.has(a));
}

/** CompressAI zoo channel sizes, (N, M) per quality 1..8 (cheng2020: 1..6, M = N). */
const QUALITY_TABLE: Record<ArchName, Array<[number, number]>> = {
  'bmshj2018-factorized': [[128, 192], [128, 192], [128, 192], [128, 192], [128, 192], [192, 320], [192, 320], [192, 320]],
  'bmshj2018-hyperprior': [[128, 192], [128, 192], [128, 192], [128, 192], [128, 192], [192, 320], [192, 320], [192, 320]],
  'mbt2018-mean': [[128, 192], [128, 192], [128, 192], [128, 192], [192, 320], [192, 320], [192, 320], [192, 320]],
  mbt2018: [[192, 192], [192, 192], [192, 192], [192, 192], [192, 320], [192, 320], [192, 320], [192, 320]],
  'cheng2020-anchor': [[128, 128], [128, 128], [128, 128], [192, 192], [192, 192], [192, 192]],
  'cheng2020-attn': [[128, 128], [128, 128], [128, 128], [192, 192], [192, 192], [192, 192]],
};

/** MSE rate-distortion trade-off λ per quality 1..8 (CompressAI's training recipe). */
export const MSE_LAMBDAS = [0.0018, 0.0035, 0.0067, 0.013, 0.025, 0.0483, 0.0932, 0.18] as const;

export function isArchName(name: string): name is ArchName {
  return (ARCH_NAMES as readonly string[]).includes(name);
}

/** The zoo's (N, M) for an architecture and quality. */
export function configForQuality(arch: string, quality: number): ModelConfig {
  if (!isArchName(arch)) throw new UnknownModelError(`unknown architecture "${arch}" (known: ${ARCH_NAMES.join(', ')})`);
  const row = QUALITY_TABLE[arch];
  if (!Number.isInteger(quality) || quality < 1 || quality > row.length)
    throw new UsageError(`quality ${quality} is out of range for ${arch} (1..${row.length})`);
  const [N, M] = row[quality - 1]!;
  return { arch, N, M };
}

export function lambdaForQuality(quality: number): number {
  const l = MSE_LAMBDAS[quality - 1];
  if (l === undefined) throw new UsageError(`quality ${quality} has no λ (1..${MSE_LAMBDAS.length})`);
  return l;
}

export function createModel(config: ModelConfig, opts: ModelOptions = {}): LearnedModel {
  const f = factories.get(config.arch);
  if (!f) throw new UnknownModelError(`architecture "${config.arch}" is not available (available: ${availableArchitectures().join(', ')})`);
  if (!(config.N > 0 && config.M > 0)) throw new UsageError(`invalid channel sizes N=${config.N}, M=${config.M}`);
  return f(config.N, config.M, opts);
}

/** Architecture and sizes from a CompressAI state dict, as its from_state_dict does. */
export function inferConfigFromStateDict(sd0: StateDictMap): ModelConfig {
  const sd = normalizeStateDict(sd0);
  const dim0 = (key: string) => sd.get(key)?.shape[0];
  const chengN = dim0('g_a.0.conv1.weight');
  if (chengN !== undefined) {
    const attn = [...sd.keys()].some((k) => /\.conv_[ab]\./.test(k));
    return { arch: attn ? 'cheng2020-attn' : 'cheng2020-anchor', N: chengN, M: chengN };
  }
  const N = dim0('g_a.0.weight');
  const M = dim0('g_a.6.weight');
  if (N === undefined || M === undefined)
    throw new WeightsMismatchError('cannot infer the architecture: the state dict has neither g_a.0.weight/g_a.6.weight nor g_a.0.conv1.weight');
  if (sd.has('context_prediction.weight')) return { arch: 'mbt2018', N, M };
  const hs4 = dim0('h_s.4.weight');
  if (hs4 === undefined) return { arch: 'bmshj2018-factorized', N, M };
  return { arch: hs4 === 2 * M ? 'mbt2018-mean' : 'bmshj2018-hyperprior', N, M };
}
