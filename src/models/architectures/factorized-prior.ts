import { tf } from '../../engine/index.js';
import type { QuantMode } from '../../codec/types.js';
import type { CompressedLatents, ModelForward } from '../types.js';
import { Conv2d, ConvTranspose2d } from '../layers/conv.js';
import { GDN } from '../layers/gdn.js';
import { Sequential } from '../layers/layer.js';
import type { ParamStore } from '../param-store.js';
import { CompressionModel, type ModelOptions } from './compression-model.js';

/** g_a of Ballé et al.: conv(3,N) GDN conv(N,N) GDN conv(N,N) GDN conv(N,M). */
export function analysisTransform(store: ParamStore, key: string, N: number, M: number, rand: () => number): Sequential {
  return new Sequential([
    new Conv2d(store, `${key}.0`, 3, N, 5, 2, rand),
    new GDN(store, `${key}.1`, N),
    new Conv2d(store, `${key}.2`, N, N, 5, 2, rand),
    new GDN(store, `${key}.3`, N),
    new Conv2d(store, `${key}.4`, N, N, 5, 2, rand),
    new GDN(store, `${key}.5`, N),
    new Conv2d(store, `${key}.6`, N, M, 5, 2, rand),
  ]);
}

/** g_s: deconv(M,N) IGDN deconv(N,N) IGDN deconv(N,N) IGDN deconv(N,3). */
export function synthesisTransform(store: ParamStore, key: string, N: number, M: number, rand: () => number): Sequential {
  return new Sequential([
    new ConvTranspose2d(store, `${key}.0`, M, N, 5, 2, rand),
    new GDN(store, `${key}.1`, N, true),
    new ConvTranspose2d(store, `${key}.2`, N, N, 5, 2, rand),
    new GDN(store, `${key}.3`, N, true),
    new ConvTranspose2d(store, `${key}.4`, N, N, 5, 2, rand),
    new GDN(store, `${key}.5`, N, true),
    new ConvTranspose2d(store, `${key}.6`, N, 3, 5, 2, rand),
  ]);
}

/**
 * bmshj2018-factorized (Ballé, Laparra, Simoncelli 2017 / Ballé et al. 2018): y = g_a(x)
 * coded with a factorized EntropyBottleneck(M), x̂ = g_s(ŷ).
 */
export class FactorizedPrior extends CompressionModel {
  readonly gA: Sequential;
  readonly gS: Sequential;

  constructor(N: number, M: number, opts: ModelOptions = {}) {
    super({ arch: 'bmshj2018-factorized', N, M }, M, opts);
    this.gA = analysisTransform(this.store, 'g_a', N, M, this.rand);
    this.gS = synthesisTransform(this.store, 'g_s', N, M, this.rand);
  }

  forward(x: tf.Tensor4D, mode: QuantMode): ModelForward {
    return tf.tidy(() => {
      const y = this.gA.apply(x);
      const { yHat, likelihood } = this.entropyBottleneck.forward(y, mode, this.noise);
      return { xHat: this.gS.apply(yHat), likelihoods: { y: likelihood } };
    });
  }

  compress(x: tf.Tensor4D): CompressedLatents {
    const y = tf.tidy(() => this.gA.apply(x));
    try {
      const strings = this.entropyBottleneck.compress(y);
      return { strings: [strings[0]!], shape: [y.shape[1], y.shape[2]] };
    } finally {
      y.dispose();
    }
  }

  decompress(c: CompressedLatents): tf.Tensor4D {
    return tf.tidy(() => {
      const yHat = this.entropyBottleneck.decompress([c.strings[0]!], c.shape);
      return tf.clipByValue(this.gS.apply(yHat), 0, 1);
    });
  }
}
