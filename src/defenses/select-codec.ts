import { tf } from '../engine/index.js';
import { BitstreamError, ConfigError } from '../errors.js';
import type { CodecForward, DifferentiableCodec, QuantMode } from '../codec/types.js';
import { decodeContainer, encodeContainer } from '../codec/container.js';
import type { RgbImage } from '../image/types.js';
import { imageToTensor, tensorToImage } from '../image/tensor.js';
import { lambdaForQuality } from '../models/registry.js';
import { applyPlacement, invertPlacement, parsePlacement, type Placement } from './placement.js';
import { mse8, rdCost } from './rd-cost.js';
import { SeedStream } from './seed.js';
import type { DefendedCodec, GradientMode } from './types.js';

export interface SelectionOptions {
  id: string;
  options: Record<string, unknown>;
  /** R-D trade-off for choosing; default: the inner codec's quality λ. */
  lambda?: number;
  seed?: number;
  eotSamples?: number;
  gradientMode?: GradientMode;
}

/**
 * Encode several exactly invertible transforms of the image, keep the one with the lowest
 * real R-D cost (bytes + λ·255²·MSE after decoding and inverting), and signal it in the .alic
 * extras so the decoder inverts it. The inner codec must write .alic containers (a learned codec).
 *
 * Adaptive forward: the candidate the encoder would choose (costs from a gradient-free 'round'
 * forward of every candidate) is the one differentiated — the selection itself is piecewise
 * constant; random candidate sets are averaged over EOT samples stacked on the batch axis.
 */
export abstract class SelectionDefence implements DefendedCodec {
  readonly kind = 'defended' as const;
  readonly id: string;
  readonly defence: { name: string; options: Record<string, unknown> };
  readonly lambda: number;
  gradientMode: GradientMode;
  protected readonly seeds: SeedStream;
  private readonly eot: number;

  /** The key of the chosen transform in the .alic extras. */
  private readonly tag: string;

  constructor(readonly inner: DifferentiableCodec, name: string, protected readonly random: boolean, opts: SelectionOptions) {
    const quality = (inner as { quality?: number }).quality ?? 0;
    if (opts.lambda === undefined && !(quality >= 1 && quality <= 8)) {
      throw new ConfigError(`defence ${name}: ${inner.id} has no quality, so pass lambda=… for the R-D choice`);
    }
    if (inner.kind !== 'learned') throw new ConfigError(`defence ${name} signals its transform in the .alic container: wrap a learned codec, not ${inner.id}`);
    this.lambda = opts.lambda ?? lambdaForQuality(quality);
    this.tag = name === 'selfensemble' ? 'se' : name === 'twoway' ? 'tw' : name;
    this.id = opts.id;
    this.seeds = new SeedStream(opts.seed ?? 0);
    this.eot = opts.eotSamples ?? 4;
    this.gradientMode = opts.gradientMode ?? 'adaptive';
    this.defence = { name, options: { ...opts.options, lambda: this.lambda, ...(this.random ? { eot: this.eot } : {}) } };
  }

  /** The transforms tried for one call. */
  protected abstract candidates(seed: number, height: number, width: number): Placement[];

  async compress(img: RgbImage): Promise<Uint8Array> {
    const x = imageToTensor(img);
    const pixels = img.width * img.height;
    let best: { bytes: Uint8Array; cost: number; p: Placement } | undefined;
    try {
      for (const p of this.candidates(this.seeds.next(), img.height, img.width)) {
        const t = applyPlacement(x, p);
        const bytes = await this.inner.compress(await tensorToImage(t));
        t.dispose();
        const decoded = await this.decodeWith(bytes, p);
        const cost = rdCost(bytes.length, pixels, mse8(img.data, decoded.data), this.lambda);
        if (!best || cost < best.cost) best = { bytes, cost, p };
      }
    } finally {
      x.dispose();
    }
    const c = decodeContainer(best!.bytes);
    // A short tag and [d, dy, dx]: the signalling costs real bytes, so it stays small.
    return encodeContainer({ ...c, extras: { ...(c.extras ?? {}), [this.tag]: [best!.p.d, best!.p.dy, best!.p.dx] } });
  }

  async decompress(bytes: Uint8Array): Promise<RgbImage> {
    const extras = decodeContainer(bytes).extras;
    const t = extras?.[this.tag];
    if (!Array.isArray(t) || t.length !== 3) {
      throw new BitstreamError(`bitstream was not written by the ${this.defence.name} defence (extras: ${JSON.stringify(extras ?? null)})`);
    }
    return this.decodeWith(bytes, parsePlacement({ d: t[0], dy: t[1], dx: t[2] }));
  }

  private async decodeWith(bytes: Uint8Array, p: Placement): Promise<RgbImage> {
    const decoded = await this.inner.decompress(bytes);
    const t = tf.tidy(() => invertPlacement(imageToTensor(decoded), p));
    try {
      return await tensorToImage(t);
    } finally {
      t.dispose();
    }
  }

  forward(x: tf.Tensor4D, mode: QuantMode): CodecForward {
    // 'round' is inference (estimated rate in evaluations), never the attacker's view: always defended.
    if (this.gradientMode === 'naive' && mode !== 'round') return this.inner.forward(x, mode);
    const [b, h, w] = x.shape;
    const k = this.random && mode !== 'round' ? this.eot : 1;
    if (b !== 1) throw new ConfigError(`defence ${this.defence.name}: forward takes one image at a time (got a batch of ${b})`);
    const outs = Array.from({ length: k }, () => {
      const p = this.choose(x, this.candidates(this.seeds.next(), h, w));
      const t = applyPlacement(x, p);
      const out = this.inner.forward(t, mode);
      const xHat = invertPlacement(out.xHat, p);
      tf.dispose([t, out.xHat]);
      return { xHat, bits: out.bits };
    });
    if (k === 1) return outs[0]!;
    const bits: Record<string, tf.Scalar> = {};
    for (const name of Object.keys(outs[0]!.bits)) bits[name] = tf.div(tf.addN(outs.map((o) => o.bits[name]!)), k) as tf.Scalar;
    const xHat = tf.concat(outs.map((o) => o.xHat), 0);
    for (const o of outs) tf.dispose([o.xHat, ...Object.values(o.bits)]);
    return { xHat, bits };
  }

  /** The candidate with the lowest estimated R-D cost, from a forward detached from x. */
  private choose(x: tf.Tensor4D, cands: Placement[]): Placement {
    if (cands.length === 1) return cands[0]!;
    const costs = tf.tidy(() => {
      const xd = tf.tensor4d(x.dataSync() as Float32Array, x.shape);
      const pixels = x.shape[1] * x.shape[2];
      return cands.map((p) => {
        const out = this.inner.forward(applyPlacement(xd, p), 'round');
        const mse = tf.mean(tf.square(tf.sub(tf.clipByValue(invertPlacement(out.xHat, p), 0, 1), xd)));
        const bits = tf.addN(Object.values(out.bits));
        return tf.add(tf.div(bits, pixels), tf.mul(mse, this.lambda * 255 * 255)).dataSync()[0]!;
      });
    });
    let best = 0;
    for (let i = 1; i < costs.length; i++) if (costs[i]! < costs[best]!) best = i;
    return cands[best]!;
  }

  dispose(): void {
    this.inner.dispose?.();
  }
}
