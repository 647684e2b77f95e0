import { z } from 'zod';
import { tf } from '../engine/index.js';
import { BaseAttack } from './base.js';
import type { AttackContext } from './context.js';
import { parseOptions } from './options.js';

/**
 * Random noise of the same budget: the baseline every attack must beat. No gradient, one
 * forward pass (for the progress report only).
 * - uniform: L∞ budgets draw U(−ε, ε) per value; L2/PSNR budgets draw U(−1, 1) scaled to ||δ||₂ = ε.
 * - gaussian: L∞ budgets draw N(0, ε²/3) (the variance of U(−ε, ε)) clipped to ±ε; L2/PSNR
 *   budgets draw N(0, 1) scaled to ||δ||₂ = ε.
 */
export const noiseSchema = z.object({ distribution: z.enum(['uniform', 'gaussian']).default('uniform') }).strict();
export type NoiseOptions = z.infer<typeof noiseSchema>;

export class Noise extends BaseAttack<NoiseOptions> {
  readonly name = 'noise';
  readonly kind = 'black-box' as const;

  constructor(options: unknown = {}) {
    super(parseOptions('noise', noiseSchema, options));
  }

  protected async perturb(ctx: AttackContext): Promise<tf.Tensor4D> {
    const { eps, norm } = ctx.distance;
    const shape = ctx.shape;
    const delta = tf.tidy(() => {
      const raw =
        this.options.distribution === 'uniform'
          ? ctx.rng.uniformTensor(shape, -1, 1)
          : tf.mul(ctx.rng.normalTensor(shape), norm === 'linf' ? 1 / Math.sqrt(3) : 1);
      if (norm === 'linf') return tf.clipByValue(tf.mul(raw, eps), -eps, eps);
      return tf.mul(raw, eps / Math.max(tf.norm(raw).dataSync()[0]!, 1e-12));
    });
    const xAdv = tf.tidy(() => tf.clipByValue(tf.add(ctx.x, delta), 0, 1)) as tf.Tensor4D;
    delta.dispose();
    ctx.report(1, 1, await ctx.value(xAdv));
    return xAdv;
  }
}
