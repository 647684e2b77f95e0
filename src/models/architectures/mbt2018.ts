import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import { BitstreamError, ImageShapeError } from '../../errors.js';
import { RansDecoder, ransEncodeWithIndexes } from '../../entropy/rans.js';
import type { CompressedLatents, ModelConfig, ModelForward } from '../types.js';
import { Conv2d, ConvTranspose2d } from '../layers/conv.js';
import { leakyRelu } from '../layers/activations.js';
import { Sequential, type Layer } from '../layers/layer.js';
import { MaskedConv2d } from '../layers/masked-conv.js';
import { GaussianConditional } from '../entropy/gaussian-conditional.js';
import { quantize } from '../ops/quantize.js';
import { CompressionModel, type ModelOptions } from './compression-model.js';
import { analysisTransform, synthesisTransform } from './factorized-prior.js';
import { buildContextWeights, rasterDecode, rasterEncode, type ContextWeights, type RasterEncoded } from './raster-context-coder.js';

/** Side of the masked context kernel and the y/z size ratio, as CompressAI fixes them. */
const CONTEXT_KERNEL = 5;
const Y_PER_Z = 4;

/** The analysis/synthesis and hyper transforms an autoregressive model is built from. */
export interface Transforms {
  gA: Layer;
  gS: Layer;
  hA: Layer;
  hS: Layer;
}

/** y, the hyper params h_s(ẑ) and what the serial coder produced; for compress and inspection. */
export interface ArEncoding extends RasterEncoded {
  latents: CompressedLatents;
  /** y's spatial size. */
  height: number;
  width: number;
}

/**
 * mbt2018, CompressAI's JointAutoregressiveHierarchicalPriors (Minnen, Ballé, Toderici 2018,
 * "Joint Autoregressive and Hierarchical Priors for Learned Image Compression"): the mean-scale
 * hyperprior plus a causal context model. [scales; means] of y =
 * entropy_parameters([h_s(ẑ); context_prediction(ŷ)]), where context_prediction is a 5x5
 * type-A masked conv (M → 2M) and entropy_parameters three 1x1 convs (4M → 10M/3 → 8M/3 → 2M).
 *
 *   x ─g_a→ y ─h_a→ z ─EB→ ẑ ─h_s→ ψ ┐
 *           └─Q→ ŷ ─context_prediction→ φ ┴─entropy_parameters→ (σ, μ) ─GC(y)
 *                ŷ ─g_s→ x̂
 *
 * forward() applies the context model to the whole ŷ at once (training path); compress() and
 * decompress() code y serially in raster order (raster-context-coder.ts), byte-compatible
 * with CompressAI. Subclasses (cheng2020) replace the transforms via buildTransforms().
 */
export class JointAutoregressiveHierarchicalPriors extends CompressionModel {
  readonly gA: Layer;
  readonly gS: Layer;
  readonly hA: Layer;
  readonly hS: Layer;
  override readonly gaussianConditional: GaussianConditional;
  readonly entropyParameters: [Conv2d, Conv2d, Conv2d];
  readonly contextPrediction: MaskedConv2d;

  constructor(readonly N: number, readonly M: number, opts: ModelOptions = {}, config: ModelConfig = { arch: 'mbt2018', N, M }) {
    super(config, N, opts);
    // Registration order follows CompressAI's module order, so stateDict() lists keys as its file does.
    const t = this.buildTransforms(N, M);
    this.gA = t.gA;
    this.gS = t.gS;
    this.hA = t.hA;
    this.hS = t.hS;
    this.gaussianConditional = new GaussianConditional(this.store, 'gaussian_conditional');
    const s = this.store;
    const r = this.rand;
    const f = Math.floor;
    this.entropyParameters = [
      new Conv2d(s, 'entropy_parameters.0', f((M * 12) / 3), f((M * 10) / 3), 1, 1, r),
      new Conv2d(s, 'entropy_parameters.2', f((M * 10) / 3), f((M * 8) / 3), 1, 1, r),
      new Conv2d(s, 'entropy_parameters.4', f((M * 8) / 3), f((M * 6) / 3), 1, 1, r),
    ];
    this.contextPrediction = new MaskedConv2d(s, 'context_prediction', M, 2 * M, CONTEXT_KERNEL, 'A', r);
  }

  /**
   * Called from the constructor (before subclass fields exist): use only this.store/this.rand.
   * mbt2018: g_a/g_s of Ballé et al. (5x5 convs, GDN), h_a conv3x3(M,N,s1) LReLU conv(N,N)
   * LReLU conv(N,N); h_s deconv(N,M) LReLU deconv(M,3M/2) LReLU conv3x3(3M/2,2M,s1).
   */
  protected buildTransforms(N: number, M: number): Transforms {
    const s = this.store;
    const r = this.rand;
    const mid = Math.floor((M * 3) / 2);
    const gA = analysisTransform(s, 'g_a', N, M, r);
    const gS = synthesisTransform(s, 'g_s', N, M, r);
    const hA = new Sequential([new Conv2d(s, 'h_a.0', M, N, 3, 1, r), leakyRelu, new Conv2d(s, 'h_a.2', N, N, 5, 2, r), leakyRelu, new Conv2d(s, 'h_a.4', N, N, 5, 2, r)]);
    const hS = new Sequential([
      new ConvTranspose2d(s, 'h_s.0', N, M, 5, 2, r),
      leakyRelu,
      new ConvTranspose2d(s, 'h_s.2', M, mid, 5, 2, r),
      leakyRelu,
      new Conv2d(s, 'h_s.4', mid, M * 2, 3, 1, r),
    ]);
    return { gA, gS, hA, hS };
  }

  /**
   * The parallel (training-time) context model: entropy_parameters([params; context_prediction(ŷ)])
   * split into (scales, means) as torch.chunk(2, dim=1). The serial coder computes the same
   * function position by position.
   */
  predictGaussian(params: tf.Tensor4D, yHat: tf.Tensor4D): { scales: tf.Tensor4D; means: tf.Tensor4D } {
    return tf.tidy(() => {
      const [e0, e2, e4] = this.entropyParameters;
      const ctx = this.contextPrediction.apply(yHat);
      const h = tf.leakyRelu(e2.apply(tf.leakyRelu(e0.apply(tf.concat([params, ctx], 3)), 0.01)), 0.01);
      const [scales, means] = tf.split(e4.apply(h), 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      return { scales, means };
    });
  }

  /**
   * As CompressAI: ŷ = quantize(y) without means ('noise': y + U; 'round': round(y); 'ste' and
   * 'mixed': straight-through round(y)) feeds the context model and g_s; the likelihood of y is
   * taken at its mean-shifted quantization (a second noise draw in 'noise' and 'mixed' mode).
   */
  forward(x: tf.Tensor4D, mode: QuantMode): ModelForward {
    return tf.tidy(() => {
      const y = this.gA.apply(x);
      const z = this.hA.apply(y);
      const zq = this.entropyBottleneck.forward(z, mode, this.noise);
      const params = this.hS.apply(zq.yHat);
      const yHat = quantize(y, mode, undefined, this.noise);
      const { scales, means } = this.predictGaussian(params, yHat);
      const yq = this.gaussianConditional.forward(y, scales, means, mode, this.noise);
      return { xHat: this.gS.apply(yHat), likelihoods: { y: yq.likelihood, z: zq.likelihood } };
    });
  }

  /** The context model's and entropy_parameters' weights as plain arrays for the serial coder. */
  contextWeights(): ContextWeights {
    const M = this.M;
    const data = (v: tf.Tensor) => v.dataSync() as Float32Array;
    const layers = this.entropyParameters.map((c) => {
      const [, , inCh, outCh] = c.weight.shape as [number, number, number, number];
      return { inCh, outCh, weight: data(c.weight), bias: data(c.bias) };
    });
    const cp = this.contextPrediction;
    return buildContextWeights(M, CONTEXT_KERNEL, data(cp.conv.weight), cp.maskHwio(), data(cp.conv.bias), layers);
  }

  /** Decodes ẑ from its string and returns h_s(ẑ) as [H, W, 2M] data, H and W being 4x z's. */
  private hyperParams(zString: Uint8Array, shape: [number, number]): { params: Float32Array; height: number; width: number } {
    const params = tf.tidy(() => this.hS.apply(this.entropyBottleneck.decompress([zString], shape)).dataSync() as Float32Array);
    return { params, height: shape[0] * Y_PER_Z, width: shape[1] * Y_PER_Z };
  }

  /** compress() with the serial coder's intermediate values (symbols, indexes, ŷ, [σ; μ]). */
  encode(x: tf.Tensor4D): ArEncoding {
    const arch = this.config.arch;
    if (x.shape[0] !== 1) throw new ImageShapeError(`${arch}.compress codes one image at a time, got a batch of ${x.shape[0]}`);
    const tables = this.gaussianConditional.cdf.tables(`GaussianConditional (${arch} compress)`);
    const { y, z } = tf.tidy(() => {
      const y = this.gA.apply(x);
      return { y, z: this.hA.apply(y) };
    });
    try {
      const shape: [number, number] = [z.shape[1], z.shape[2]];
      if (y.shape[1] !== shape[0] * Y_PER_Z || y.shape[2] !== shape[1] * Y_PER_Z) {
        throw new ImageShapeError(
          `${arch}: image ${x.shape[1]}x${x.shape[2]} gives y ${y.shape[1]}x${y.shape[2]}, not 4x z: pad it to a multiple of ${this.alignment}`,
        );
      }
      const zString = this.entropyBottleneck.compress(z)[0]!;
      // The params come from the decoded ẑ, exactly what the decoder will see.
      const { params, height, width } = this.hyperParams(zString, shape);
      const indexer = (s: Float32Array) => this.gaussianConditional.buildIndexes(s);
      const enc = rasterEncode(y.dataSync() as Float32Array, params, height, width, this.contextWeights(), indexer);
      const yString = ransEncodeWithIndexes(enc.symbols, enc.indexes, tables);
      return { ...enc, latents: { strings: [yString, zString], shape }, height, width };
    } finally {
      tf.dispose([y, z]);
    }
  }

  compress(x: tf.Tensor4D): CompressedLatents {
    return this.encode(x).latents;
  }

  /** Decodes ŷ serially ([H, W, M] data), refusing streams that do not end where y ends. */
  decodeY(c: CompressedLatents): { yHat: Float32Array; height: number; width: number } {
    const arch = this.config.arch;
    if (c.strings.length !== 2) throw new BitstreamError(`${arch}: expected 2 strings (y, z), got ${c.strings.length}`);
    const tables = this.gaussianConditional.cdf.tables(`GaussianConditional (${arch} decompress)`);
    const { params, height, width } = this.hyperParams(c.strings[1]!, c.shape);
    const dec = new RansDecoder(c.strings[0]!);
    const indexer = (s: Float32Array) => this.gaussianConditional.buildIndexes(s);
    const yHat = rasterDecode((idx) => dec.decodeStream(idx, tables), params, height, width, this.contextWeights(), indexer);
    if (!dec.isComplete()) throw new BitstreamError(`${arch}: the y stream does not end where y ends: corrupt bitstream or wrong model`);
    return { yHat, height, width };
  }

  decompress(c: CompressedLatents): tf.Tensor4D {
    const { yHat, height, width } = this.decodeY(c);
    return tf.tidy(() => tf.clipByValue(this.gS.apply(tf.tensor4d(yHat, [1, height, width, this.M])), 0, 1));
  }

  override dispose(): void {
    this.contextPrediction.dispose();
    super.dispose();
  }
}

/** The registry's name for it. */
export { JointAutoregressiveHierarchicalPriors as Mbt2018 };
