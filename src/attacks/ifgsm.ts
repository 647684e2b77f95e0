import { GradientDescentAttack, type GradientDescentOptions } from './gradient-descent-base.js';
import { gradientDescentSchema, parseOptions } from './options.js';

/**
 * I-FGSM / BIM — Kurakin, Goodfellow & Bengio, "Adversarial examples in the physical world",
 * ICLR-W 2017: FGSM repeated with a small step, projected after each. Defaults as torchattacks'
 * BIM: 10 steps of α = ε/4 (2/255 at ε = 8/255), starting at x.
 */
export const ifgsmSchema = gradientDescentSchema({ steps: 10, relStepSize: 0.25, randomStart: false });

export class IFgsm extends GradientDescentAttack<GradientDescentOptions> {
  readonly name = 'ifgsm';

  constructor(options: unknown = {}) {
    super(parseOptions('ifgsm', ifgsmSchema, options));
  }
}
