import type * as tf from '@tensorflow/tfjs-core';
import type { Codec, CodecForward } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';

/**
 * How far the adversarial image may move from the original, in [0,1] units:
 * - linf: max |δ| ≤ eps (eps = 8/255 in most papers),
 * - l2:   ||δ||₂ over all values of the image ≤ eps,
 * - psnr: PSNR(x_adv, x) ≥ minPsnr dB, i.e. an L2 ball of radius sqrt(n · 10^(-minPsnr/10)).
 */
export type Budget =
  | { norm: 'linf'; eps: number }
  | { norm: 'l2'; eps: number }
  | { norm: 'psnr'; minPsnr: number };

/** What an attack maximises: a scalar function of the codec's forward output. */
export interface Objective {
  /** Short name for logs, e.g. "distortion(psnr,y)" or "0.5*rate+1*distortion(mse,rgb)". */
  readonly name: string;
  /** JSON description of the goal (goal, metric, weights; a target image only by its size). */
  readonly spec: unknown;
  /**
   * The value to MAXIMISE. `out` is the codec's output for xAdv; xOrig the clean image; all
   * [1,H,W,3]. Must be differentiable in xAdv through `out` for white-box attacks.
   */
  evaluate(out: CodecForward, xOrig: tf.Tensor4D, xAdv: tf.Tensor4D): tf.Scalar;
}

/** One progress report: per iteration for gradient attacks, per query for black-box ones. */
export interface AttackProgress {
  iteration: number;
  total: number;
  /** Objective value (to maximise) at the current iterate. */
  loss: number;
  /** PSNR (dB) of the current estimated reconstruction vs the original, when the forward pass gives one. */
  psnr?: number;
  /** Estimated bpp (all latents) of the current iterate, when the forward pass gives one. */
  bpp?: number;
}

export interface RunOptions {
  /** Seeds every random choice; the same seed gives identical results. Default 0. */
  seed?: number;
  /** Quantization inside the differentiable forward pass: 'ste' (default) or 'noise'. */
  quant?: 'ste' | 'noise';
  onProgress?: (p: AttackProgress) => void;
}

/** Work done, for the honest evaluation. */
export interface AttackCounts {
  /** Forward passes (with or without gradient). */
  forward: number;
  /** Backward passes (input gradients). */
  backward: number;
  /** Real compress+decompress round trips (black-box oracle). */
  codecQueries: number;
}

export interface AttackOutput {
  /** The adversarial image on the 8-bit grid, inside the budget and [0,1]: what an attacker hands over. */
  adversarial: RgbImage;
  counts: AttackCounts;
  wallMs: number;
}

/** One attack algorithm with its hyperparameters fixed at construction (see registry.ts). */
export interface Attack {
  readonly name: string;
  /** white-box attacks need a DifferentiableCodec; black-box ones work on any Codec. */
  readonly kind: 'white-box' | 'black-box';
  /** The hyperparameters in force (defaults applied), JSON-serialisable. */
  readonly options: Readonly<Record<string, unknown>>;
  run(codec: Codec, x: RgbImage | tf.Tensor4D, objective: Objective, budget: Budget, opts?: RunOptions): Promise<AttackOutput>;
}
