import type * as tf from '@tensorflow/tfjs-core';
import type { QuantMode } from '../codec/types.js';
import type { NoiseSource } from './ops/noise.js';

/** Architectures, named as CompressAI's zoo names them. */
export const ARCH_NAMES = [
  'bmshj2018-factorized',
  'bmshj2018-hyperprior',
  'mbt2018-mean',
  'mbt2018',
  'cheng2020-anchor',
  'cheng2020-attn',
] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

export interface ModelConfig {
  arch: ArchName;
  /** Channel sizes as CompressAI names them (cheng2020: N only; M = N). */
  N: number;
  M: number;
}

export interface ModelForward {
  /** [B, H, W, 3], not clamped. */
  xHat: tf.Tensor4D;
  /** Likelihoods per latent ('y', 'z'), NHWC, each already lower-bounded (1e-9). */
  likelihoods: Record<string, tf.Tensor4D>;
}

/** What `compress` returns, as CompressAI's compress(): one rANS string per latent, per batch item. */
export interface CompressedLatents {
  /** strings[i] is latent i's stream (i=0: y, i=1: z), batch size 1. */
  strings: Uint8Array[];
  /** The spatial shape decompress needs: z's [h, w] (y's for factorized), as CompressAI. */
  shape: [number, number];
}

/**
 * A CompressAI-compatible learned image compression model. Parameter and buffer names are
 * CompressAI's state-dict keys, so checkpoints map one to one.
 */
export interface LearnedModel {
  readonly config: ModelConfig;
  /** Spatial downsampling factor of the whole model (64 for hyperprior models): inputs must be multiples. */
  readonly alignment: number;
  /** Differentiable forward. x: [B, H, W, 3], H and W multiples of `alignment`. */
  forward(x: tf.Tensor4D, mode: QuantMode): ModelForward;
  /** Real entropy coding (requires update()). x: [1, H, W, 3]. */
  compress(x: tf.Tensor4D): CompressedLatents;
  /** Inverse of compress: x_hat clamped to [0,1], [1, H, W, 3] (padded size). */
  decompress(c: CompressedLatents): tf.Tensor4D;
  /** Builds quantized CDF tables (CompressAI's update()); a no-op for tables loaded from a checkpoint unless force. */
  update(force?: boolean): void;
  /** Entropy-bottleneck auxiliary loss (quantile fitting). */
  auxLoss(): tf.Scalar;
  /** Trainable network parameters (excluding EB quantiles), by state-dict key. */
  parameters(): Map<string, tf.Variable>;
  /** EntropyBottleneck quantiles, by state-dict key (trained only by the aux loss). */
  auxParameters(): Map<string, tf.Variable>;
  /** Full state dict in CompressAI layout (OIHW weights etc.), for saving. */
  stateDict(): Map<string, { shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }>;
  /** Loads a state dict in CompressAI layout; throws WeightsMismatchError listing missing/extra/mis-shaped keys. */
  loadStateDict(sd: Map<string, { shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }>): void;
  /**
   * Source of the U(-0.5, 0.5) noise used by forward(x, 'noise'); assign a SeededNoise for
   * reproducible training. Optional so that wrappers need not expose it.
   */
  noise?: NoiseSource;
  /** The Gaussian conditional's scale table, for models that have one (see entropy/scale-table.ts). */
  readonly gaussianConditional?: { readonly scaleTable: Float32Array; setScaleTable(table: Float32Array): void };
  dispose(): void;
}
