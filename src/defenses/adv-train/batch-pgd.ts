import { tf } from '../../engine/index.js';
import type { DifferentiableCodec } from '../../codec/types.js';
import { buildObjective, type GoalSpec } from '../../attacks/objectives.js';

export type AdvGoal = 'distortion' | 'rate' | 'both';

/** The attack objective of a training goal; 'both' is the codec's own RD cost (bpp + λ·255²·MSE). */
export function goalSpec(goal: AdvGoal, lambda: number): GoalSpec {
  if (goal === 'distortion') return { goal: 'distortion', metric: 'mse' };
  if (goal === 'rate') return { goal: 'rate' };
  return { goal: 'rd', lambda };
}

export interface BatchPgdOptions {
  goal: GoalSpec;
  eps: number;
  steps: number;
  quant: 'noise' | 'ste';
  seed: number;
}

/**
 * L∞ PGD on a whole batch at once (random start, signed steps of 2.5·ε/steps, projection onto
 * the ε-ball and [0,1]), maximising the objective averaged over the batch. Used on the fly by
 * adversarial training, where the full attack library's per-image bookkeeping is not needed.
 * Returns a new tensor; x is not disposed.
 */
export function batchPgd(codec: DifferentiableCodec, x: tf.Tensor4D, o: BatchPgdOptions): tf.Tensor4D {
  const objective = buildObjective(o.goal);
  const alpha = (2.5 * o.eps) / o.steps;
  const project = (v: tf.Tensor4D) => tf.clipByValue(tf.add(x, tf.clipByValue(tf.sub(v, x), -o.eps, o.eps)), 0, 1) as tf.Tensor4D;
  let xa = tf.tidy(() => project(tf.add(x, tf.randomUniform(x.shape, -o.eps, o.eps, 'float32', o.seed)) as tf.Tensor4D));
  for (let s = 0; s < o.steps; s++) {
    const g = tf.grad((v: tf.Tensor) => objective.evaluate(codec.forward(v as tf.Tensor4D, o.quant), x, v as tf.Tensor4D))(xa);
    const next = tf.tidy(() => project(tf.add(xa, tf.mul(tf.sign(g), alpha)) as tf.Tensor4D));
    tf.dispose([g, xa]);
    xa = next;
  }
  return xa;
}

/**
 * The objective after a fresh `steps`-step PGD on each crop (mean over crops, 'round' forward):
 * the "attacked loss" adversarial training should lower.
 */
export function attackedLoss(codec: DifferentiableCodec, crops: readonly tf.Tensor4D[], o: BatchPgdOptions): number {
  const objective = buildObjective(o.goal);
  let sum = 0;
  crops.forEach((x, i) => {
    const xa = batchPgd(codec, x, { ...o, seed: o.seed + i });
    sum += tf.tidy(() => objective.evaluate(codec.forward(xa, 'round'), x, xa).dataSync()[0]!);
    xa.dispose();
  });
  return sum / crops.length;
}
