import type { ModelConfig } from '../types.js';
import { leakyRelu } from '../layers/activations.js';
import { conv3x3 } from '../layers/conv3x3.js';
import { Sequential } from '../layers/layer.js';
import { ResidualBlock } from '../layers/residual-block.js';
import { ResidualBlockUpsample } from '../layers/residual-block-upsample.js';
import { ResidualBlockWithStride } from '../layers/residual-block-with-stride.js';
import { SubpelConv3x3 } from '../layers/subpixel-conv.js';
import type { ModelOptions } from './compression-model.js';
import { JointAutoregressiveHierarchicalPriors, type Transforms } from './mbt2018.js';

/**
 * cheng2020-anchor, CompressAI's Cheng2020Anchor (Cheng, Sun, Takeuchi, Katto 2020, "Learned
 * Image Compression with Discretized Gaussian Mixture Likelihoods and Attention Modules",
 * anchor variant): mbt2018's context model and entropy coding with residual blocks of 3x3/1x1
 * convs and sub-pixel upsampling; M = N.
 */
export class Cheng2020Anchor extends JointAutoregressiveHierarchicalPriors {
  constructor(N: number, opts: ModelOptions = {}, config: ModelConfig = { arch: 'cheng2020-anchor', N, M: N }) {
    super(N, N, opts, config);
  }

  protected override buildTransforms(N: number): Transforms {
    return { ...this.analysisSynthesis(N), ...this.hyperTransforms(N) };
  }

  /** g_a: (RBWS, RB) x3, conv3x3 s2; g_s: (RB, RBU) x3, RB, subpel conv to 3 channels. */
  protected analysisSynthesis(N: number): Pick<Transforms, 'gA' | 'gS'> {
    const s = this.store;
    const r = this.rand;
    return {
      gA: new Sequential([
        new ResidualBlockWithStride(s, 'g_a.0', 3, N, 2, r),
        new ResidualBlock(s, 'g_a.1', N, N, r),
        new ResidualBlockWithStride(s, 'g_a.2', N, N, 2, r),
        new ResidualBlock(s, 'g_a.3', N, N, r),
        new ResidualBlockWithStride(s, 'g_a.4', N, N, 2, r),
        new ResidualBlock(s, 'g_a.5', N, N, r),
        conv3x3(s, 'g_a.6', N, N, 2, r),
      ]),
      gS: new Sequential([
        new ResidualBlock(s, 'g_s.0', N, N, r),
        new ResidualBlockUpsample(s, 'g_s.1', N, N, 2, r),
        new ResidualBlock(s, 'g_s.2', N, N, r),
        new ResidualBlockUpsample(s, 'g_s.3', N, N, 2, r),
        new ResidualBlock(s, 'g_s.4', N, N, r),
        new ResidualBlockUpsample(s, 'g_s.5', N, N, 2, r),
        new ResidualBlock(s, 'g_s.6', N, N, r),
        new SubpelConv3x3(s, 'g_s.7', N, 3, 2, r),
      ]),
    };
  }

  /** h_a: five conv3x3 (the 3rd and 5th stride 2) with LeakyReLU; h_s: conv3x3 and subpel convs up to 2N. */
  private hyperTransforms(N: number): Pick<Transforms, 'hA' | 'hS'> {
    const s = this.store;
    const r = this.rand;
    const mid = Math.floor((N * 3) / 2);
    return {
      hA: new Sequential([
        conv3x3(s, 'h_a.0', N, N, 1, r),
        leakyRelu,
        conv3x3(s, 'h_a.2', N, N, 1, r),
        leakyRelu,
        conv3x3(s, 'h_a.4', N, N, 2, r),
        leakyRelu,
        conv3x3(s, 'h_a.6', N, N, 1, r),
        leakyRelu,
        conv3x3(s, 'h_a.8', N, N, 2, r),
      ]),
      hS: new Sequential([
        conv3x3(s, 'h_s.0', N, N, 1, r),
        leakyRelu,
        new SubpelConv3x3(s, 'h_s.2', N, N, 2, r),
        leakyRelu,
        conv3x3(s, 'h_s.4', N, mid, 1, r),
        leakyRelu,
        new SubpelConv3x3(s, 'h_s.6', mid, mid, 2, r),
        leakyRelu,
        conv3x3(s, 'h_s.8', mid, N * 2, 1, r),
      ]),
    };
  }
}
