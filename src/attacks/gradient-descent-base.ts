import { tf } from '../engine/index.js';
import { BaseAttack } from './base.js';
import type { AttackContext } from './context.js';
import type { Distance } from './distances.js';

export interface GradientDescentOptions {
  /** Gradient steps per run. */
  steps: number;
  /** Step size as a fraction of ε (used unless stepSize is given). */
  relStepSize: number;
  /** Absolute step size in [0,1] units; overrides relStepSize. */
  stepSize?: number;
  /** Start from a uniformly random point of the ball (PGD) instead of x. */
  randomStart: boolean;
  /** Independent runs (each with a fresh random start); the best by objective is kept. */
  restarts: number;
}

/** Turns gradients into unit steps; stateful for momentum. */
export interface Stepper {
  direction(grad: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/**
 * The projected-gradient loop, written once (Foolbox's gradient_descent_base): optional random
 * start, then `steps` times {objective and gradient, unit step in the norm's geometry, move
 * by α, project onto the ball and [0,1]}; the best iterate seen (by objective) is returned.
 * FGSM, I-FGSM, PGD and MI-FGSM differ only in options and `stepper`.
 */
export abstract class GradientDescentAttack<O extends GradientDescentOptions> extends BaseAttack<O> {
  readonly kind = 'white-box' as const;

  /** Steepest ascent for the norm; MI-FGSM overrides with momentum. */
  protected stepper(distance: Distance): Stepper {
    return { direction: (g) => distance.normalize(g), dispose: () => {} };
  }

  protected async perturb(ctx: AttackContext): Promise<tf.Tensor4D> {
    const { steps, restarts, randomStart } = this.options;
    const alpha = this.options.stepSize ?? this.options.relStepSize * ctx.distance.eps;
    const total = steps * restarts;
    let best: { x: tf.Tensor4D; loss: number } | undefined;
    const offer = (x: tf.Tensor4D, loss: number): void => {
      if (best === undefined || loss > best.loss) {
        best?.x.dispose();
        best = { x: tf.clone(x), loss };
      }
    };

    for (let r = 0; r < restarts; r++) {
      let xAdv = randomStart
        ? tf.tidy(() => ctx.projectImage(tf.add(ctx.x, ctx.distance.randomStart(ctx.shape, ctx.rng))))
        : tf.clone(ctx.x);
      const stepper = this.stepper(ctx.distance);
      try {
        for (let i = 0; i < steps; i++) {
          const e = ctx.gradient(xAdv);
          offer(xAdv, e.loss);
          ctx.report(r * steps + i + 1, total, e);
          const next = tf.tidy(() => ctx.projectImage(tf.add(xAdv, tf.mul(stepper.direction(e.grad), alpha))));
          e.grad.dispose();
          xAdv.dispose();
          xAdv = next;
        }
        offer(xAdv, (await ctx.value(xAdv)).loss);
      } finally {
        stepper.dispose();
        xAdv.dispose();
      }
    }
    return best!.x;
  }
}
