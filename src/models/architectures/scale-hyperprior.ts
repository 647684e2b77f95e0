import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import type { CompressedLatents, ModelConfig, ModelForward } from '../types.js';
import { Conv2d, ConvTranspose2d } from '../layers/conv.js';
import { relu } from '../layers/activations.js';
import { Sequential, type Layer } from '../layers/layer.js';
import { GaussianConditional } from '../entropy/gaussian-conditional.js';
import { CompressionModel, type ModelOptions } from './compression-model.js';
import { analysisTransform, synthesisTransform } from './factorized-prior.js';

/** Gaussian parameters for y predicted by the hyper-synthesis (means undefined: zero-mean model). */
export interface GaussianParams {
  scales: tf.Tensor4D;
  means?: tf.Tensor4D;
}

/**
 * bmshj2018-hyperprior (Ballé et al. 2018, "Variational image compression with a scale
 * hyperprior"): z = h_a(|y|) coded by the EntropyBottleneck(N); scales = h_s(ẑ) parametrize
 * the zero-mean GaussianConditional for y.
 *
 *   x ─g_a→ y ─|·|→ h_a → z ─EB→ ẑ ─h_s→ σ ─GC(y; σ)→ ŷ ─g_s→ x̂
 *
 * Subclasses change the hyper transforms by overriding buildHyper(), the input of h_a by
 * hyperInput(), and the meaning of h_s's output by gaussianParams() (see MeanScaleHyperprior).
 */
export class ScaleHyperprior extends CompressionModel {
  readonly gA: Sequential;
  readonly gS: Sequential;
  readonly hA: Layer;
  readonly hS: Layer;
  override readonly gaussianConditional: GaussianConditional;

  constructor(N: number, M: number, opts: ModelOptions = {}, config: ModelConfig = { arch: 'bmshj2018-hyperprior', N, M }) {
    super(config, N, opts);
    this.gA = analysisTransform(this.store, 'g_a', N, M, this.rand);
    this.gS = synthesisTransform(this.store, 'g_s', N, M, this.rand);
    const { hA, hS } = this.buildHyper(N, M);
    this.hA = hA;
    this.hS = hS;
    this.gaussianConditional = new GaussianConditional(this.store, 'gaussian_conditional');
  }

  /** h_a: conv3x3(M,N,s1) ReLU conv(N,N) ReLU conv(N,N); h_s: deconv ReLU deconv ReLU conv3x3(N,M,s1) ReLU. */
  protected buildHyper(N: number, M: number): { hA: Layer; hS: Layer } {
    const s = this.store;
    const r = this.rand;
    return {
      hA: new Sequential([new Conv2d(s, 'h_a.0', M, N, 3, 1, r), relu, new Conv2d(s, 'h_a.2', N, N, 5, 2, r), relu, new Conv2d(s, 'h_a.4', N, N, 5, 2, r)]),
      hS: new Sequential([
        new ConvTranspose2d(s, 'h_s.0', N, N, 5, 2, r),
        relu,
        new ConvTranspose2d(s, 'h_s.2', N, N, 5, 2, r),
        relu,
        new Conv2d(s, 'h_s.4', N, M, 3, 1, r),
        relu,
      ]),
    };
  }

  protected hyperInput(y: tf.Tensor4D): tf.Tensor4D {
    return tf.abs(y);
  }

  protected gaussianParams(hS: tf.Tensor4D): GaussianParams {
    return { scales: hS };
  }

  forward(x: tf.Tensor4D, mode: QuantMode): ModelForward {
    return tf.tidy(() => {
      const y = this.gA.apply(x);
      const z = this.hA.apply(this.hyperInput(y));
      const zq = this.entropyBottleneck.forward(z, mode, this.noise);
      const { scales, means } = this.gaussianParams(this.hS.apply(zq.yHat));
      const yq = this.gaussianConditional.forward(y, scales, means, mode, this.noise);
      return { xHat: this.gS.apply(yq.yHat), likelihoods: { y: yq.likelihood, z: zq.likelihood } };
    });
  }

  compress(x: tf.Tensor4D): CompressedLatents {
    return tf.tidy(() => {
      const y = this.gA.apply(x);
      const z = this.hA.apply(this.hyperInput(y));
      const zStrings = this.entropyBottleneck.compress(z);
      const shape: [number, number] = [z.shape[1], z.shape[2]];
      // As CompressAI: the scales come from the decoded ẑ, exactly what the decoder will see.
      const zHat = this.entropyBottleneck.decompress(zStrings, shape);
      const { scales, means } = this.gaussianParams(this.hS.apply(zHat));
      const yStrings = this.gaussianConditional.compress(y, scales, means);
      return { strings: [yStrings[0]!, zStrings[0]!], shape };
    });
  }

  decompress(c: CompressedLatents): tf.Tensor4D {
    return tf.tidy(() => {
      const zHat = this.entropyBottleneck.decompress([c.strings[1]!], c.shape);
      const { scales, means } = this.gaussianParams(this.hS.apply(zHat));
      const yHat = this.gaussianConditional.decompress([c.strings[0]!], scales, means);
      return tf.clipByValue(this.gS.apply(yHat), 0, 1);
    });
  }
}
