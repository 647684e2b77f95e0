import type * as tfc from '@tensorflow/tfjs-core';
import type { QuantMode } from '../../codec/types.js';
import type { CompressedLatents, LearnedModel, ModelConfig, ModelForward } from '../types.js';
import { ParamStore, type StateDictMap } from '../param-store.js';
import { normalizeStateDict } from '../weights/normalize.js';
import { seededRandom } from '../init.js';
import { randomNoise, type NoiseSource } from '../ops/noise.js';
import { EntropyBottleneck } from '../entropy/entropy-bottleneck.js';
import type { GaussianConditional } from '../entropy/gaussian-conditional.js';

export interface ModelOptions {
  /** Seed of the weight initialisation (default: unseeded). */
  seed?: number;
}

/**
 * CompressAI's CompressionModel: owns the parameter store (state-dict keys), the entropy
 * bottleneck, and the generic update()/auxLoss()/stateDict() plumbing.
 *
 * To add an architecture: extend this class (or ScaleHyperprior / MeanScaleHyperprior), build
 * the transforms in the constructor with `this.store` and `this.rand` under CompressAI's keys,
 * register a GaussianConditional in `this.gaussianConditional` if the model has one (update()
 * then covers it), and implement forward/compress/decompress.
 */
export abstract class CompressionModel implements LearnedModel {
  readonly alignment: number = 64;
  readonly store = new ParamStore();
  readonly entropyBottleneck: EntropyBottleneck;
  gaussianConditional?: GaussianConditional;
  /** Noise for mode 'noise'; set a SeededNoise for reproducible training. */
  noise: NoiseSource = randomNoise;
  protected readonly rand: () => number;

  constructor(readonly config: ModelConfig, entropyBottleneckChannels: number, opts: ModelOptions = {}) {
    this.rand = opts.seed === undefined ? Math.random : seededRandom(opts.seed);
    this.entropyBottleneck = new EntropyBottleneck(this.store, 'entropy_bottleneck', entropyBottleneckChannels, this.rand);
  }

  abstract forward(x: tfc.Tensor4D, mode: QuantMode): ModelForward;
  abstract compress(x: tfc.Tensor4D): CompressedLatents;
  abstract decompress(c: CompressedLatents): tfc.Tensor4D;

  /** Builds the CDF tables of every entropy model (no-op for those already built unless force). */
  update(force = false): void {
    this.entropyBottleneck.update(force);
    this.gaussianConditional?.update(force);
  }

  auxLoss(): tfc.Scalar {
    return this.entropyBottleneck.loss();
  }

  parameters(): Map<string, tfc.Variable> {
    return this.store.parameters();
  }

  auxParameters(): Map<string, tfc.Variable> {
    return this.store.auxParameters();
  }

  stateDict(): StateDictMap {
    return this.store.stateDict();
  }

  /** Accepts CompressAI's current and legacy key names (and a `module.` prefix). */
  loadStateDict(sd: StateDictMap): void {
    this.store.loadStateDict(normalizeStateDict(sd));
  }

  dispose(): void {
    this.store.dispose();
  }
}
