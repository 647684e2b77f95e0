import type { ModelConfig } from '../types.js';
import { AttentionBlock } from '../layers/attention-block.js';
import { conv3x3 } from '../layers/conv3x3.js';
import { Sequential } from '../layers/layer.js';
import { ResidualBlock } from '../layers/residual-block.js';
import { ResidualBlockUpsample } from '../layers/residual-block-upsample.js';
import { ResidualBlockWithStride } from '../layers/residual-block-with-stride.js';
import { SubpelConv3x3 } from '../layers/subpixel-conv.js';
import type { ModelOptions } from './compression-model.js';
import { Cheng2020Anchor } from './cheng2020-anchor.js';
import type { Transforms } from './mbt2018.js';

/**
 * cheng2020-attn, CompressAI's Cheng2020Attention: the anchor model with simplified attention
 * blocks in g_a (after the 2nd strided block and at the end) and g_s (at the start and before
 * the 3rd upsampling); hyper transforms as the anchor.
 */
export class Cheng2020Attention extends Cheng2020Anchor {
  constructor(N: number, opts: ModelOptions = {}, config: ModelConfig = { arch: 'cheng2020-attn', N, M: N }) {
    super(N, opts, config);
  }

  protected override analysisSynthesis(N: number): Pick<Transforms, 'gA' | 'gS'> {
    const s = this.store;
    const r = this.rand;
    return {
      gA: new Sequential([
        new ResidualBlockWithStride(s, 'g_a.0', 3, N, 2, r),
        new ResidualBlock(s, 'g_a.1', N, N, r),
        new ResidualBlockWithStride(s, 'g_a.2', N, N, 2, r),
        new AttentionBlock(s, 'g_a.3', N, r),
        new ResidualBlock(s, 'g_a.4', N, N, r),
        new ResidualBlockWithStride(s, 'g_a.5', N, N, 2, r),
        new ResidualBlock(s, 'g_a.6', N, N, r),
        conv3x3(s, 'g_a.7', N, N, 2, r),
        new AttentionBlock(s, 'g_a.8', N, r),
      ]),
      gS: new Sequential([
        new AttentionBlock(s, 'g_s.0', N, r),
        new ResidualBlock(s, 'g_s.1', N, N, r),
        new ResidualBlockUpsample(s, 'g_s.2', N, N, 2, r),
        new ResidualBlock(s, 'g_s.3', N, N, r),
        new ResidualBlockUpsample(s, 'g_s.4', N, N, 2, r),
        new AttentionBlock(s, 'g_s.5', N, r),
        new ResidualBlock(s, 'g_s.6', N, N, r),
        new ResidualBlockUpsample(s, 'g_s.7', N, N, 2, r),
        new ResidualBlock(s, 'g_s.8', N, N, r),
        new SubpelConv3x3(s, 'g_s.9', N, 3, 2, r),
      ]),
    };
  }
}
