import { z } from 'zod';
import { tf } from '../engine/index.js';
import type { Distance } from './distances.js';
import { GradientDescentAttack, type GradientDescentOptions, type Stepper } from './gradient-descent-base.js';
import { parseOptions, positiveInt, positive } from './options.js';

/**
 * MI-FGSM — Dong et al., "Boosting Adversarial Attacks with Momentum", CVPR 2018: the step
 * follows an accumulated gradient g ← μ·g + ∇/||∇||₁ instead of the raw gradient. Defaults as
 * torchattacks: 10 steps of α = ε/4, decay μ = 1, starting at x.
 */
export const mifgsmSchema = z
  .object({
    steps: positiveInt().default(10),
    relStepSize: positive().default(0.25),
    stepSize: positive().optional(),
    decay: z.number().min(0).finite().default(1),
    randomStart: z.boolean().default(false),
    restarts: positiveInt().default(1),
  })
  .strict();

export interface MiFgsmOptions extends GradientDescentOptions {
  decay: number;
}

export class MiFgsm extends GradientDescentAttack<MiFgsmOptions> {
  readonly name = 'mifgsm';

  constructor(options: unknown = {}) {
    super(parseOptions('mifgsm', mifgsmSchema, options));
  }

  protected override stepper(distance: Distance): Stepper {
    const mu = this.options.decay;
    let momentum: tf.Tensor4D | undefined;
    return {
      direction: (grad) =>
        tf.tidy(() => {
          const l1 = tf.maximum(tf.mean(tf.abs(grad), [1, 2, 3], true), 1e-12);
          const g = tf.div(grad, l1) as tf.Tensor4D;
          const next = momentum ? (tf.add(tf.mul(momentum, mu), g) as tf.Tensor4D) : g;
          momentum?.dispose();
          momentum = tf.keep(next);
          return distance.normalize(next);
        }),
      dispose: () => momentum?.dispose(),
    };
  }
}
