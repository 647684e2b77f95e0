import { z } from 'zod';
import { tf } from '../engine/index.js';
import { Adam } from './adam.js';
import { BaseAttack } from './base.js';
import type { AttackContext } from './context.js';
import { parseOptions, positive, positiveInt } from './options.js';

/**
 * Distortion-constrained Adam attack after Chen & Ma, "Toward Robust Neural Image Compression:
 * Adversarial Attack and Model Finetuning", IEEE TCSVT 2023: optimise the perturbation δ
 * directly with Adam to maximise the output distortion (any objective here) while the INPUT
 * MSE stays under a threshold τ, enforced by a hinge penalty:
 *   minimise  −objective(x + δ) + penalty · max(MSE(δ) − τ, 0) / τ.
 * τ is `mseThreshold` when given, else what the budget allows (ε²/n for L2/PSNR budgets, ε² for
 * L∞). The best iterate under τ is returned (the last one if none is) and the base class
 * projects it onto the budget, so an L∞ budget also holds.
 */
export const chenMaSchema = z
  .object({
    steps: positiveInt().default(200),
    lr: positive().default(1e-3),
    penalty: positive().default(10),
    mseThreshold: positive().optional(),
  })
  .strict();
export type ChenMaOptions = z.infer<typeof chenMaSchema>;

export class ChenMa extends BaseAttack<ChenMaOptions> {
  readonly name = 'chen-ma';
  readonly kind = 'white-box' as const;

  constructor(options: unknown = {}) {
    super(parseOptions('chen-ma', chenMaSchema, options));
  }

  protected async perturb(ctx: AttackContext): Promise<tf.Tensor4D> {
    const { steps, lr, penalty } = this.options;
    const n = ctx.x.size;
    const d = ctx.distance;
    const tau = this.options.mseThreshold ?? (d.norm === 'l2' ? (d.eps * d.eps) / n : d.eps * d.eps);
    const adam = new Adam(lr);
    let delta = tf.zerosLike(ctx.x);
    let best: { x: tf.Tensor4D; loss: number } | undefined;
    try {
      for (let i = 0; i < steps; i++) {
        const xAdv = tf.tidy(() => tf.clipByValue(tf.add(ctx.x, delta), 0, 1)) as tf.Tensor4D;
        const e = ctx.gradient(xAdv);
        ctx.report(i + 1, steps, e);
        const mseT = tf.tidy(() => tf.mean(tf.square(tf.sub(xAdv, ctx.x))));
        const mse = mseT.dataSync()[0]!;
        mseT.dispose();
        if (mse <= tau && (!best || e.loss > best.loss)) {
          best?.x.dispose();
          best = { x: tf.clone(xAdv), loss: e.loss };
        }
        // Gradient of the minimised loss w.r.t. δ (the clip passes gradient where x+δ is inside [0,1]).
        const g = tf.tidy(() => {
          const pass = tf.cast(tf.logicalAnd(tf.greater(tf.add(ctx.x, delta), 0), tf.less(tf.add(ctx.x, delta), 1)), 'float32');
          const hinge = mse > tau ? tf.mul(tf.sub(xAdv, ctx.x), (2 * penalty) / (n * tau)) : tf.zerosLike(delta);
          return tf.add(tf.neg(tf.mul(e.grad, pass)), hinge);
        }) as tf.Tensor4D;
        const next = adam.step(delta, g);
        tf.dispose([xAdv, e.grad, g, delta]);
        delta = next;
      }
      return best?.x ?? (tf.tidy(() => tf.clipByValue(tf.add(ctx.x, delta), 0, 1)) as tf.Tensor4D);
    } finally {
      adam.dispose();
      delta.dispose();
    }
  }
}
