import { z } from 'zod';
import { tf } from '../engine/index.js';
import { Adam } from './adam.js';
import { BaseAttack } from './base.js';
import type { AttackContext } from './context.js';
import { parseOptions, positive, positiveInt } from './options.js';

/**
 * C&W-style L2 — Carlini & Wagner, "Towards Evaluating the Robustness of Neural Networks",
 * S&P 2017, adapted to codecs: minimise MSE(δ) − c·objective over w with x_adv = (tanh w + 1)/2
 * (the box constraint for free), Adam on w. "Success" for a codec is staying inside the budget,
 * so the binary search looks for the LARGEST c whose optimum still fits (×10 until one does
 * not, then bisection), keeping the best objective among iterates inside the budget. The
 * distance term is a mean rather than C&W's sum, so c = 1 weighs MSE against MSE-like goals.
 */
export const cwSchema = z
  .object({
    steps: positiveInt().default(100),
    lr: positive().default(0.01),
    binarySteps: positiveInt().default(5),
    initialConst: positive().default(1),
  })
  .strict();
export type CwOptions = z.infer<typeof cwSchema>;

export class CarliniWagnerL2 extends BaseAttack<CwOptions> {
  readonly name = 'cw';
  readonly kind = 'white-box' as const;

  constructor(options: unknown = {}) {
    super(parseOptions('cw', cwSchema, options));
  }

  protected async perturb(ctx: AttackContext): Promise<tf.Tensor4D> {
    const { steps, lr, binarySteps, initialConst } = this.options;
    const n = ctx.x.size;
    const w0 = tf.tidy(() => tf.atanh(tf.mul(tf.sub(tf.mul(ctx.x, 2), 1), 1 - 1e-6)));
    let best: { x: tf.Tensor4D; loss: number } | undefined;
    let lo = 0;
    let hi = Infinity;
    let c = initialConst;
    try {
      for (let b = 0; b < binarySteps; b++) {
        let w = tf.clone(w0);
        const adam = new Adam(lr);
        let feasible = false;
        try {
          for (let i = 0; i < steps; i++) {
            const xAdv = tf.tidy(() => tf.div(tf.add(tf.tanh(w), 1), 2)) as tf.Tensor4D;
            const e = ctx.gradient(xAdv);
            ctx.report(b * steps + i + 1, binarySteps * steps, e);
            if (inBudget(ctx, xAdv)) {
              feasible = true;
              if (!best || e.loss > best.loss) {
                best?.x.dispose();
                best = { x: tf.clone(xAdv), loss: e.loss };
              }
            }
            // d/dw [MSE(δ) − c·obj] = (2δ/n − c·∇obj) · (1 − tanh²w)/2
            const gw = tf.tidy(() =>
              tf.mul(
                tf.sub(tf.mul(tf.sub(xAdv, ctx.x), 2 / n), tf.mul(e.grad, c)),
                tf.div(tf.sub(1, tf.square(tf.tanh(w))), 2),
              ),
            ) as tf.Tensor4D;
            const next = adam.step(w, gw);
            tf.dispose([xAdv, e.grad, gw, w]);
            w = next;
          }
        } finally {
          adam.dispose();
          w.dispose();
        }
        if (feasible) lo = c;
        else hi = c;
        c = Number.isFinite(hi) ? (lo + hi) / 2 : c * 10;
      }
    } finally {
      w0.dispose();
    }
    return best?.x ?? tf.clone(ctx.x);
  }
}

function inBudget(ctx: AttackContext, xAdv: tf.Tensor4D): boolean {
  const d = ctx.distance;
  const norm = tf.tidy(() => {
    const delta = tf.sub(xAdv, ctx.x);
    return d.norm === 'linf' ? tf.max(tf.abs(delta)) : tf.sqrt(tf.sum(tf.square(delta)));
  });
  const v = norm.dataSync()[0]!;
  norm.dispose();
  return v <= d.eps;
}
