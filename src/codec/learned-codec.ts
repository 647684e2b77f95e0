import { tf } from '../engine/index.js';
import { BitstreamError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import { imageToTensor, tensorToImage } from '../image/tensor.js';
import { cropTo, padTo } from '../image/pad.js';
import type { LearnedModel } from '../models/types.js';
import { createModel, inferConfigFromStateDict } from '../models/registry.js';
import { loadWeightsFile } from '../models/weights/load.js';
import type { CodecForward, DifferentiableCodec, QuantMode } from './types.js';
import { assertWeightsMatch, decodeContainer, encodeContainer } from './container.js';

export interface LearnedCodecOptions {
  /** Hex sha256 of the weights (stored in every bitstream; decoding checks it). */
  weightsHash: string;
  /** Zoo quality (1..8), 0 when unknown; part of the id and the container. */
  quality?: number;
}

/**
 * A LearnedModel as a Codec: pads inputs to the model's alignment with zeros (split as
 * CompressAI's eval_model: floor half on top/left) and crops back; real coding writes the
 * .alic container with the weights fingerprint.
 */
export class LearnedCodec implements DifferentiableCodec {
  readonly kind = 'learned' as const;
  readonly id: string;
  readonly weightsHash: string;
  readonly quality: number;

  constructor(readonly model: LearnedModel, opts: LearnedCodecOptions) {
    this.weightsHash = opts.weightsHash;
    this.quality = opts.quality ?? 0;
    this.id = `${model.config.arch}@${this.quality || `${model.config.N}x${model.config.M}`}`;
  }

  /** Loads a .pth(.tar) or .safetensors file, inferring the architecture from its keys. */
  static async fromWeightsFile(path: string, quality?: number): Promise<LearnedCodec> {
    const w = await loadWeightsFile(path);
    const model = createModel(inferConfigFromStateDict(w.stateDict));
    try {
      model.loadStateDict(w.stateDict);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return new LearnedCodec(model, { weightsHash: w.sha256, quality: quality ?? w.manifest?.quality });
  }

  /**
   * Differentiable pass: x̂ (unclamped, input size) and estimated bits per latent, Σ −log2 p
   * over the batch. Padding and cropping are part of the graph.
   */
  forward(x: tf.Tensor4D, mode: QuantMode): CodecForward {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const { padded } = padTo(x, this.model.alignment, 'zeros');
      const out = this.model.forward(padded, mode);
      const bits: Record<string, tf.Scalar> = {};
      for (const [k, l] of Object.entries(out.likelihoods)) bits[k] = tf.div(tf.sum(tf.log(l)), -Math.LN2) as tf.Scalar;
      return { xHat: cropTo(out.xHat, h, w), bits };
    });
  }

  async compress(img: RgbImage): Promise<Uint8Array> {
    this.model.update();
    const x = imageToTensor(img);
    const { padded } = padTo(x, this.model.alignment, 'zeros');
    try {
      const c = this.model.compress(padded);
      const { arch, N, M } = this.model.config;
      return encodeContainer({
        arch,
        quality: this.quality,
        N,
        M,
        weightsHash: this.weightsHash,
        width: img.width,
        height: img.height,
        latentShapes: [c.shape],
        streams: c.strings,
      });
    } finally {
      tf.dispose([x, padded]);
    }
  }

  async decompress(bytes: Uint8Array): Promise<RgbImage> {
    const c = decodeContainer(bytes);
    const { arch, N, M } = this.model.config;
    if (c.arch !== arch || c.N !== N || c.M !== M)
      throw new BitstreamError(`bitstream is for ${c.arch} N=${c.N} M=${c.M}, but the codec is ${arch} N=${N} M=${M}`);
    assertWeightsMatch(c, this.weightsHash);
    const shape = c.latentShapes[0];
    if (!shape || shape.length !== 2) throw new BitstreamError(`bitstream latent shape is [${shape ?? ''}], expected [h, w]`);
    this.model.update();
    const xHat = this.model.decompress({ strings: c.streams, shape: [shape[0]!, shape[1]!] });
    const cropped = cropTo(xHat, c.height, c.width);
    try {
      return await tensorToImage(cropped);
    } finally {
      tf.dispose([xHat, cropped]);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
