import { tf } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import type { CodecForward, DifferentiableCodec, QuantMode } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import { imageToTensor, tensorToImage } from '../image/tensor.js';
import { SeedStream } from './seed.js';
import { tidyForward } from './tidy-forward.js';
import type { DefendedCodec, GradientMode, InputTransform } from './types.js';

export interface PreprocessOptions {
  /** Seed of the per-call random transforms (random defences only). Default 0. */
  seed?: number;
  /** EOT samples averaged by the adaptive forward of a random transform. Default 8. */
  eotSamples?: number;
  /** Default 'adaptive'. */
  gradientMode?: GradientMode;
  /** The id to report (built by the defence's factory). */
  id: string;
  /** Options of the defence for reports. */
  options: Record<string, unknown>;
}

/**
 * A codec that transforms its input before coding (JPEG, blur, noise, bit depth, resize).
 * The decoder is the inner one: nothing is signalled. The attacker's forward is the inner
 * forward (naive) or the inner forward of the surrogate transform (adaptive). For random
 * transforms the K EOT samples' reconstructions are stacked on the batch axis and their bits
 * averaged, so an objective that averages over the batch (MSE, bpp, R-D) is exactly the sample
 * mean of the per-sample objectives, and its gradient the EOT gradient.
 */
export class PreprocessDefence implements DefendedCodec {
  readonly kind = 'defended' as const;
  readonly id: string;
  readonly defence: { name: string; options: Record<string, unknown> };
  gradientMode: GradientMode;
  private readonly seeds: SeedStream;
  private readonly eot: number;

  constructor(readonly inner: DifferentiableCodec, readonly transform: InputTransform, opts: PreprocessOptions) {
    this.id = opts.id;
    this.seeds = new SeedStream(opts.seed ?? 0);
    this.eot = opts.eotSamples ?? 8;
    if (!Number.isInteger(this.eot) || this.eot < 1) throw new ConfigError(`defence ${transform.name}: eot must be an integer ≥ 1 (got ${this.eot})`);
    this.gradientMode = opts.gradientMode ?? 'adaptive';
    this.defence = { name: transform.name, options: { ...opts.options, ...(transform.random ? { eot: this.eot } : {}) } };
  }

  forward(x: tf.Tensor4D, mode: QuantMode): CodecForward {
    // 'round' is inference (estimated rate in evaluations), never the attacker's view: always defended.
    if (this.gradientMode === 'naive' && mode !== 'round') return this.inner.forward(x, mode);
    const k = this.transform.random && mode !== 'round' ? this.eot : 1;
    if (k > 1 && x.shape[0] !== 1) throw new ConfigError(`defence ${this.transform.name}: EOT forward takes one image at a time (got a batch of ${x.shape[0]})`);
    return tidyForward(() => {
      if (k === 1) return this.inner.forward(this.transform.surrogate(x, this.seeds.next()), mode);
      // One inner forward per sample (any inner codec takes batch 1), stacked on the batch axis.
      const outs = Array.from({ length: k }, () => this.inner.forward(this.transform.surrogate(x, this.seeds.next()), mode));
      const bits: Record<string, tf.Scalar> = {};
      for (const name of Object.keys(outs[0]!.bits)) bits[name] = tf.div(tf.addN(outs.map((o) => o.bits[name]!)), k) as tf.Scalar;
      return { xHat: tf.concat(outs.map((o) => o.xHat), 0), bits };
    });
  }

  async compress(img: RgbImage): Promise<Uint8Array> {
    const seed = this.seeds.next();
    const t = tf.tidy(() => tf.clipByValue(this.transform.apply(imageToTensor(img), seed), 0, 1));
    try {
      return await this.inner.compress(await tensorToImage(t));
    } finally {
      t.dispose();
    }
  }

  decompress(bytes: Uint8Array): Promise<RgbImage> {
    return this.inner.decompress(bytes);
  }

  dispose(): void {
    this.inner.dispose?.();
  }
}
