import type * as tf from '@tensorflow/tfjs-core';
import type { DifferentiableCodec } from '../codec/types.js';

/**
 * How an attacker's gradient sees a defended codec:
 * - 'naive':    through the undefended model only (the defence is ignored when crafting);
 * - 'adaptive': through the defence too — exact gradients for differentiable transforms, the
 *               expectation over K seeded samples (EOT) for random ones, straight-through
 *               (BPDA: real transform forward, identity backward) for non-differentiable ones.
 * The real compress/decompress path, and forward(x, 'round') (inference: estimated rates), always
 * apply the defence.
 */
export type GradientMode = 'naive' | 'adaptive';

/** A codec wrapped by a defence (input transform or transform selection). */
export interface DefendedCodec extends DifferentiableCodec {
  readonly kind: 'defended';
  readonly inner: DifferentiableCodec;
  /** Defence name and its options in force, JSON-serialisable. */
  readonly defence: { name: string; options: Record<string, unknown> };
  /** Which gradient the attacker gets from forward(); mutable so one codec serves both evaluations. */
  gradientMode: GradientMode;
}

/**
 * An input transform applied before the inner codec. `apply` is the real transform (what the
 * defended encoder does); `surrogate` is what an adaptive attacker differentiates: the
 * transform itself when differentiable, a straight-through version when not. Random
 * transforms take a seed per call so every sample is reproducible.
 */
export interface InputTransform {
  readonly name: string;
  readonly options: Record<string, unknown>;
  /** True when each call draws a fresh random transform (EOT applies). */
  readonly random: boolean;
  /** How the adaptive gradient is obtained, for reports. */
  readonly gradient: 'exact' | 'eot' | 'bpda';
  apply(x: tf.Tensor4D, seed: number): tf.Tensor4D;
  surrogate(x: tf.Tensor4D, seed: number): tf.Tensor4D;
}
