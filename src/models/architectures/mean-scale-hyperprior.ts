import { tf } from '../../engine/index.js';
import type { ModelConfig } from '../types.js';
import { Conv2d, ConvTranspose2d } from '../layers/conv.js';
import { leakyRelu } from '../layers/activations.js';
import { Sequential, type Layer } from '../layers/layer.js';
import type { ModelOptions } from './compression-model.js';
import { ScaleHyperprior, type GaussianParams } from './scale-hyperprior.js';

/**
 * mbt2018-mean (Minnen, Ballé, Toderici 2018, without the context model): z = h_a(y) and
 * h_s(ẑ) predicts [scales; means] (2M channels) of a mean-scale Gaussian for y; LeakyReLU.
 */
export class MeanScaleHyperprior extends ScaleHyperprior {
  constructor(N: number, M: number, opts: ModelOptions = {}, config: ModelConfig = { arch: 'mbt2018-mean', N, M }) {
    super(N, M, opts, config);
  }

  /** h_a: conv3x3(M,N,s1) LReLU conv(N,N) LReLU conv(N,N); h_s: deconv(N,M) LReLU deconv(M,3M/2) LReLU conv3x3(3M/2,2M,s1). */
  protected override buildHyper(N: number, M: number): { hA: Layer; hS: Layer } {
    const s = this.store;
    const r = this.rand;
    const mid = Math.floor((M * 3) / 2);
    return {
      hA: new Sequential([
        new Conv2d(s, 'h_a.0', M, N, 3, 1, r),
        leakyRelu,
        new Conv2d(s, 'h_a.2', N, N, 5, 2, r),
        leakyRelu,
        new Conv2d(s, 'h_a.4', N, N, 5, 2, r),
      ]),
      hS: new Sequential([
        new ConvTranspose2d(s, 'h_s.0', N, M, 5, 2, r),
        leakyRelu,
        new ConvTranspose2d(s, 'h_s.2', M, mid, 5, 2, r),
        leakyRelu,
        new Conv2d(s, 'h_s.4', mid, M * 2, 3, 1, r),
      ]),
    };
  }

  protected override hyperInput(y: tf.Tensor4D): tf.Tensor4D {
    return y;
  }

  /** torch.chunk(2, dim=1): the first M channels are scales, the last M means. */
  protected override gaussianParams(hS: tf.Tensor4D): GaussianParams {
    const [scales, means] = tf.split(hS, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    return { scales, means };
  }
}
