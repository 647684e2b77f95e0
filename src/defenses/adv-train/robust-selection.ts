import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../../engine/index.js';
import { ConfigError } from '../../errors.js';
import { buildObjective } from '../../attacks/objectives.js';
import type { DifferentiableCodec } from '../../codec/types.js';
import { imageToTensor, type RgbImage } from '../../image/index.js';
import type { StateDict } from '../../models/weights/types.js';
import { attackedLoss, goalSpec, type AdvGoal } from './batch-pgd.js';

/**
 * Robustness-validated checkpoint selection. Robustness under adversarial training is not
 * monotone in the number of steps (the hyperprior at batch 4: 49 / 62 / 43 % of the attack's
 * damage removed after 600 / 1800 / 3000 steps), so the last weights are not the ones to ship.
 * Every `every` steps the current weights are attacked on held-out crops (a folder the final
 * evaluation does not use) with a fixed-seed PGD at the full ε, and the weights with the lowest
 * attacked loss — the training goal's objective after the attack — are kept. The base weights
 * (step 0) are a candidate too, so a run that never beats them ships them and says so.
 */
export interface SelectionSettings {
  every: number;
  goal: AdvGoal;
  lambda: number;
  eps: number;
  attackSteps: number;
  seed: number;
}

/** One robustness validation: objective after the attack, and on the clean crops. */
export interface SelectionPoint {
  step: number;
  attacked: number;
  clean: number;
}

/** What a checkpoint carries so that a resumed run keeps the same best. */
export interface SelectionState {
  history: SelectionPoint[];
  bestStep: number;
}

export const SELECTION_CSV = 'robust-val.csv';

/**
 * Mean objective over the crops, clean and after a `steps`-step PGD (attackedLoss with a 'ste'
 * forward, as the evaluation's attacks; 'round' forward to measure). Deterministic for a seed.
 */
export function robustnessPoint(codec: DifferentiableCodec, crops: readonly tf.Tensor4D[], s: SelectionSettings): { attacked: number; clean: number } {
  const goal = goalSpec(s.goal, s.lambda);
  const attacked = attackedLoss(codec, crops, { goal, eps: s.eps, steps: s.attackSteps, quant: 'ste', seed: s.seed });
  const objective = buildObjective(goal);
  const clean = crops.reduce((sum, x) => sum + tf.tidy(() => objective.evaluate(codec.forward(x, 'round'), x, x).dataSync()[0]!), 0);
  return { attacked, clean: clean / crops.length };
}

/** Tracks the most robust weights seen so far; the weights themselves live in memory and in the checkpoint. */
export class RobustSelector {
  private best: StateDict | undefined;

  constructor(
    readonly settings: SelectionSettings,
    private readonly crops: tf.Tensor4D[],
    private readonly out: string,
    readonly state: SelectionState = { history: [], bestStep: -1 },
    best?: StateDict,
  ) {
    this.best = best;
  }

  /** Crops must be whole multiples of the model's alignment (centre crops of large-enough images). */
  static fromImages(settings: SelectionSettings, images: readonly RgbImage[], alignment: number, out: string, state?: SelectionState, best?: StateDict): RobustSelector {
    const bad = images.find((img) => img.width % alignment !== 0 || img.height % alignment !== 0);
    if (bad) throw new ConfigError(`robustness-selection crop ${bad.width}x${bad.height} is not a multiple of ${alignment}: use a --select-crop multiple of ${alignment} and images at least that large`);
    if (images.length === 0) throw new ConfigError('robustness selection needs at least one image (--select-count, --select-data)');
    return new RobustSelector(settings, images.map((img) => imageToTensor(img)), out, state, best);
  }

  /** Due at step 0 (the base) and every `every` steps, once per step. */
  due(step: number): boolean {
    return step % this.settings.every === 0 && !this.state.history.some((p) => p.step === step);
  }

  get bestWeights(): StateDict | undefined {
    return this.best;
  }

  get bestPoint(): SelectionPoint | undefined {
    return this.state.history.find((p) => p.step === this.state.bestStep);
  }

  /** Measures the current weights; keeps a copy of them when they are the most robust so far. */
  async observe(step: number, codec: DifferentiableCodec, weights: () => StateDict): Promise<SelectionPoint> {
    const point = { step, ...robustnessPoint(codec, this.crops, this.settings) };
    const previous = this.bestPoint;
    this.state.history.push(point);
    if (!previous || point.attacked < previous.attacked) {
      this.state.bestStep = step;
      this.best = copyStateDict(weights());
    }
    // Rewritten whole each time: a resumed run repeats the points after its checkpoint.
    const rows = this.state.history.map((p) => `${p.step},${p.attacked},${p.clean}`);
    await writeFile(join(this.out, SELECTION_CSV), ['step,attacked,clean', ...rows].join('\n') + '\n');
    return point;
  }

  dispose(): void {
    tf.dispose(this.crops);
  }
}

function copyStateDict(sd: StateDict): StateDict {
  const out: StateDict = new Map();
  for (const [k, t] of sd) out.set(k, { ...t, data: t.data.slice() as typeof t.data, shape: [...t.shape] });
  return out;
}
