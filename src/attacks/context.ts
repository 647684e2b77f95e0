import { tf } from '../engine/index.js';
import { isDifferentiable, type Codec, type CodecForward, type DifferentiableCodec } from '../codec/types.js';
import { imageToTensor } from '../image/tensor.js';
import type { Distance } from './distances.js';
import type { Rng } from './rng.js';
import type { AttackCounts, AttackProgress, Objective } from './types.js';

/** The objective's value at one iterate, with what the forward pass says about it. */
export interface Evaluation {
  loss: number;
  /** PSNR (dB) of the clamped reconstruction vs the original. */
  psnr: number;
  /** Estimated bpp, or NaN when the oracle gives no estimate. */
  bpp: number;
}

/**
 * What an attack's algorithm gets from the base class: the original image, the ball, a seeded
 * RNG, and the two oracles — value+gradient (white-box) and value only (forward pass without
 * gradient, or a real compress/decompress round trip). It counts every pass for the report.
 */
export class AttackContext {
  readonly counts: AttackCounts = { forward: 0, backward: 0, codecQueries: 0 };

  constructor(
    readonly codec: Codec,
    /** The original image [1,H,W,3]; owned by the base class. */
    readonly x: tf.Tensor4D,
    readonly objective: Objective,
    readonly distance: Distance,
    readonly rng: Rng,
    readonly quant: 'ste' | 'noise',
    private readonly progress?: (p: AttackProgress) => void,
  ) {}

  get shape(): [number, number, number, number] {
    return this.x.shape as [number, number, number, number];
  }

  private get diff(): DifferentiableCodec {
    if (!isDifferentiable(this.codec)) throw new Error(`codec ${this.codec.id} has no differentiable forward`);
    return this.codec;
  }

  /** Objective and its gradient w.r.t. the adversarial image. The caller owns `grad`. */
  gradient(xAdv: tf.Tensor4D): Evaluation & { grad: tf.Tensor4D } {
    const codec = this.diff;
    let aux: tf.Tensor1D | undefined;
    const { value, grad } = tf.tidy(() => {
      const f = (xa: tf.Tensor4D): tf.Scalar => {
        const out = codec.forward(xa, this.quant);
        aux = tf.keep(this.auxiliaries(out, xa));
        return this.objective.evaluate(out, this.x, xa);
      };
      const r = tf.valueAndGrad(f)(xAdv);
      return { value: r.value, grad: r.grad as tf.Tensor4D };
    });
    this.counts.forward++;
    this.counts.backward++;
    const loss = value.dataSync()[0]!;
    value.dispose();
    const [psnr, bpp] = readAux(aux!);
    return { loss, psnr, bpp, grad };
  }

  /**
   * Objective value only: the differentiable forward without gradient when the codec has one
   * (and `oracle` is not 'codec'), else a real compress/decompress round trip.
   */
  async value(xAdv: tf.Tensor4D, oracle: 'forward' | 'codec' = 'forward'): Promise<Evaluation> {
    if (oracle === 'forward' && isDifferentiable(this.codec)) {
      const codec = this.codec;
      const [loss, psnr, bpp] = tf.tidy(() => {
        const out = codec.forward(xAdv, this.quant);
        return tf.concat([this.objective.evaluate(out, this.x, xAdv).reshape([1]), this.auxiliaries(out, xAdv)]).dataSync();
      }) as unknown as number[];
      this.counts.forward++;
      return { loss: loss!, psnr: psnr!, bpp: bpp! };
    }
    const out = await this.roundTrip(xAdv);
    try {
      const [loss, psnr, bpp] = tf.tidy(() =>
        tf.concat([this.objective.evaluate(out, this.x, xAdv).reshape([1]), this.auxiliaries(out, xAdv)]).dataSync(),
      ) as unknown as number[];
      return { loss: loss!, psnr: psnr!, bpp: bpp! };
    } finally {
      tf.dispose([out.xHat, ...Object.values(out.bits)]);
    }
  }

  /** Real coding as a forward output: the decoded image, and the bitstream size as the only "latent". */
  private async roundTrip(xAdv: tf.Tensor4D): Promise<CodecForward> {
    const [, h, w] = xAdv.shape;
    const data = Float32Array.from(xAdv.dataSync() as Float32Array);
    const bytes = await this.codec.compress({ width: w, height: h, data });
    const decoded = await this.codec.decompress(bytes);
    this.counts.codecQueries++;
    return { xHat: imageToTensor(decoded), bits: { bitstream: tf.scalar(bytes.length * 8) } };
  }

  /** [PSNR of the clamped reconstruction vs the original, estimated bpp]. */
  private auxiliaries(out: CodecForward, xAdv: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => {
      const mse = tf.mean(tf.square(tf.sub(tf.clipByValue(out.xHat, 0, 1), this.x)));
      const psnr = tf.mul(-10 / Math.LN10, tf.log(tf.maximum(mse, 1e-20)));
      const bits = Object.values(out.bits);
      const pixels = xAdv.shape[0] * xAdv.shape[1] * xAdv.shape[2];
      const bpp = bits.length ? tf.div(tf.addN(bits), pixels) : tf.scalar(NaN);
      return tf.stack([psnr, bpp]) as tf.Tensor1D;
    });
  }

  report(iteration: number, total: number, e: Evaluation): void {
    this.progress?.({
      iteration,
      total,
      loss: e.loss,
      ...(Number.isFinite(e.psnr) ? { psnr: e.psnr } : {}),
      ...(Number.isFinite(e.bpp) ? { bpp: e.bpp } : {}),
    });
  }

  /** x + δ clipped to the ball and to [0,1] (the order matters: clip to [0,1] last keeps both). */
  projectImage(xAdv: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.clipByValue(tf.add(this.x, this.distance.project(tf.sub(xAdv, this.x) as tf.Tensor4D)), 0, 1) as tf.Tensor4D);
  }
}

function readAux(aux: tf.Tensor1D): [number, number] {
  const v = aux.dataSync();
  aux.dispose();
  return [v[0]!, v[1]!];
}
