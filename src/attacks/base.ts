import { tf } from '../engine/index.js';
import { ConfigError, ImageShapeError } from '../errors.js';
import { isDifferentiable, type Codec } from '../codec/types.js';
import type { RgbImage } from '../image/types.js';
import { imageToTensor } from '../image/tensor.js';
import { AttackContext } from './context.js';
import { distanceFor } from './distances.js';
import { Rng } from './rng.js';
import { roundIntoBudget } from './round8.js';
import type { Attack, AttackOutput, Budget, Objective, RunOptions } from './types.js';

/**
 * The base class owns the chores (torchattacks' Attack, Foolbox's fixed-ε __call__): input and
 * option checks, the seeded RNG, the context with counted oracles, and — never trusting the
 * algorithm — the final projection onto the budget and [0,1], 8-bit rounding, and the
 * re-projection that keeps the budget on the rounded image. Subclasses write only `perturb`.
 */
export abstract class BaseAttack<O extends object> implements Attack {
  abstract readonly name: string;
  abstract readonly kind: 'white-box' | 'black-box';

  constructor(readonly options: Readonly<O>) {}

  /** The algorithm: returns the adversarial image (float, [1,H,W,3]); the base disposes it. */
  protected abstract perturb(ctx: AttackContext): Promise<tf.Tensor4D>;

  async run(codec: Codec, image: RgbImage | tf.Tensor4D, objective: Objective, budget: Budget, opts: RunOptions = {}): Promise<AttackOutput> {
    if (this.kind === 'white-box' && !isDifferentiable(codec)) {
      throw new ConfigError(`attack ${this.name} is white-box and needs a differentiable codec; ${codec.id} is not (use a black-box attack such as square or noise)`);
    }
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed)) throw new ConfigError(`seed must be an integer (got ${seed})`);
    const quant = opts.quant ?? 'ste';
    if (quant !== 'ste' && quant !== 'noise') throw new ConfigError(`quant must be ste or noise (got ${String(quant)})`);

    const x = toInput(image);
    const t0 = performance.now();
    try {
      const original = x.dataSync() as Float32Array;
      checkRange(original);
      const distance = distanceFor(budget, original.length);
      const ctx = new AttackContext(codec, x, objective, distance, new Rng(seed), quant, opts.onProgress);
      const raw = await this.perturb(ctx);
      const projected = ctx.projectImage(raw);
      raw.dispose();
      const advData = projected.dataSync() as Float32Array;
      projected.dispose();
      const [, height, width] = x.shape;
      const adversarial: RgbImage = { width, height, data: roundIntoBudget(original, advData, distance) };
      return { adversarial, counts: { ...ctx.counts }, wallMs: performance.now() - t0 };
    } finally {
      x.dispose();
    }
  }

  toString(): string {
    return `${this.name}(${Object.entries(this.options).map(([k, v]) => `${k}=${String(v)}`).join(', ')})`;
  }
}

/** A private copy of the input as [1,H,W,3] (the caller's tensor is never disposed). */
function toInput(image: RgbImage | tf.Tensor4D): tf.Tensor4D {
  if (image instanceof tf.Tensor) {
    if (image.rank !== 4 || image.shape[0] !== 1 || image.shape[3] !== 3) {
      throw new ImageShapeError(`attack input must be [1,H,W,3], got [${image.shape.join(',')}]`);
    }
    return tf.tidy(() => tf.cast(image, 'float32'));
  }
  return imageToTensor(image);
}

function checkRange(v: Float32Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const a = v[i]!;
    if (Number.isNaN(a)) throw new ImageShapeError(`attack input has a NaN at index ${i}`);
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  if (lo < 0 || hi > 1) throw new ImageShapeError(`attack input must have values in [0,1] (min ${lo}, max ${hi})`);
}
