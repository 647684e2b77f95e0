import type * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../image/types.js';

/**
 * The one interface every codec implements, learned or classical (DESIGN.md §1).
 * Black-box attacks, transfer evaluation and `advlic eval`/`rd` need only this.
 */
export interface Codec {
  /** Stable identifier, e.g. "bmshj2018-hyperprior@3", "jpeg@q75". */
  readonly id: string;
  readonly kind: 'learned' | 'classical' | 'defended';
  /** Real bytes: bpp is always bytes * 8 / (width * height). */
  compress(x: RgbImage): Promise<Uint8Array>;
  /** Decodes what `compress` produced; refuses corrupt or foreign bytes with a BitstreamError. */
  decompress(bytes: Uint8Array): Promise<RgbImage>;
  /** Frees native or tensor resources (optional). */
  dispose?(): void;
}

/** How latents are quantized inside a differentiable forward pass. */
export type QuantMode =
  | 'noise' // additive uniform noise U(-0.5, 0.5): training
  | 'ste' // straight-through rounding (forward = inference rounding, gradient 1): attacks
  | 'round' // hard rounding with median/mean offsets, zero gradient: inference
  | 'mixed'; // likelihoods at y + U(-0.5, 0.5), the decoder fed straight-through round(y): training (Minnen & Singh 2020)

export interface CodecForward {
  /** Reconstruction, same shape as the input, NOT clamped (clamp when judging). */
  xHat: tf.Tensor4D;
  /** Estimated bits (sum of -log2 likelihoods) per latent, e.g. { y, z }, summed over the batch. */
  bits: Record<string, tf.Scalar>;
}

/** A codec white-box attacks can differentiate through. */
export interface DifferentiableCodec extends Codec {
  /**
   * x: [B, H, W, 3] float32 in [0,1], any H and W (the codec pads to its multiple and crops
   * back, differentiably). Must be called inside tf.tidy / tf.grad by the caller.
   */
  forward(x: tf.Tensor4D, mode: QuantMode): CodecForward;
}

export function isDifferentiable(codec: Codec): codec is DifferentiableCodec {
  return typeof (codec as Partial<DifferentiableCodec>).forward === 'function';
}
