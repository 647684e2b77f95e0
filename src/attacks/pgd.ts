import { GradientDescentAttack, type GradientDescentOptions } from './gradient-descent-base.js';
import { gradientDescentSchema, parseOptions } from './options.js';

/**
 * PGD — Madry et al., "Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR
 * 2018: I-FGSM from a uniformly random start in the ball, optionally restarted (best kept).
 * L∞ (sign steps) or L2 (unit-gradient steps) follows the budget. Defaults as torchattacks'
 * PGD: 10 steps of α = ε/4, random start, 1 run.
 */
export const pgdSchema = gradientDescentSchema({ steps: 10, relStepSize: 0.25, randomStart: true });

export class Pgd extends GradientDescentAttack<GradientDescentOptions> {
  readonly name = 'pgd';

  constructor(options: unknown = {}) {
    super(parseOptions('pgd', pgdSchema, options));
  }
}
