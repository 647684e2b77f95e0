import { z } from 'zod';
import { GradientDescentAttack, type GradientDescentOptions } from './gradient-descent-base.js';
import { parseOptions } from './options.js';

/**
 * FGSM — Goodfellow, Shlens & Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR
 * 2015: one step of size ε along the sign of the gradient (L∞) or the unit gradient (L2).
 * No options: the budget fixes everything.
 */
export const fgsmSchema = z.object({}).strict();

export class Fgsm extends GradientDescentAttack<GradientDescentOptions> {
  readonly name = 'fgsm';

  constructor(options: unknown = {}) {
    parseOptions('fgsm', fgsmSchema, options);
    super({ steps: 1, relStepSize: 1, randomStart: false, restarts: 1 });
  }
}
