import { ConfigError } from '../errors.js';

/**
 * Learning-rate schedules. All state is a small JSON object, stored in checkpoints so that a
 * resumed run continues with the same rate and the same plateau counters.
 *
 * - constant
 * - step:    lr = base · factor^floor(step / every)       (e.g. halve every 20k steps)
 * - plateau: lr ← max(minLr, lr · factor) when the validation loss has not improved by
 *            more than `threshold` (relative) for `patience` consecutive evaluations
 *            (PyTorch's ReduceLROnPlateau in 'min' / 'rel' mode, CompressAI's choice).
 */
export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'plateau'; factor: number; patience: number; threshold: number; minLr: number };

export interface ScheduleState {
  lr: number;
  best: number | null;
  badEvals: number;
}

export class LrSchedule {
  private st: ScheduleState;

  constructor(
    readonly spec: ScheduleSpec,
    readonly baseLr: number,
    state?: ScheduleState,
  ) {
    this.st = state ? { ...state } : { lr: baseLr, best: null, badEvals: 0 };
  }

  get lr(): number {
    return this.st.lr;
  }

  /** Called after each optimisation step with the number of steps done so far. */
  afterStep(step: number): void {
    if (this.spec.kind === 'step') this.st.lr = this.baseLr * this.spec.factor ** Math.floor(step / this.spec.every);
  }

  /** Called with each validation loss; returns true when the rate was lowered. */
  afterValidation(loss: number): boolean {
    if (this.spec.kind !== 'plateau' || !Number.isFinite(loss)) return false;
    const { factor, patience, threshold, minLr } = this.spec;
    if (this.st.best === null || loss < this.st.best * (1 - threshold)) {
      this.st.best = loss;
      this.st.badEvals = 0;
      return false;
    }
    this.st.badEvals++;
    if (this.st.badEvals <= patience) return false;
    this.st.badEvals = 0;
    const next = Math.max(minLr, this.st.lr * factor);
    const lowered = next < this.st.lr;
    this.st.lr = next;
    return lowered;
  }

  state(): ScheduleState {
    return { ...this.st };
  }
}

/**
 * Parses the CLI form: "constant", "step:EVERY[:FACTOR]" (factor default 0.5),
 * "plateau[:PATIENCE[:FACTOR]]" (defaults 4 evaluations, 0.5).
 */
export function parseSchedule(text: string, baseLr: number): ScheduleSpec {
  const [kind, ...args] = text.split(':');
  const nums = args.map(Number);
  const bad = () => new ConfigError(`bad --lr-schedule '${text}': use constant, step:EVERY[:FACTOR] or plateau[:PATIENCE[:FACTOR]]`);
  if (nums.some((n) => !Number.isFinite(n) || n <= 0)) throw bad();
  if (kind === 'constant' && args.length === 0) return { kind: 'constant' };
  if (kind === 'step' && args.length >= 1 && args.length <= 2) {
    const factor = nums[1] ?? 0.5;
    if (!Number.isInteger(nums[0]) || factor >= 1) throw bad();
    return { kind: 'step', every: nums[0]!, factor };
  }
  if (kind === 'plateau' && args.length <= 2) {
    const patience = nums[0] ?? 4;
    const factor = nums[1] ?? 0.5;
    if (!Number.isInteger(patience) || factor >= 1) throw bad();
    return { kind: 'plateau', patience, factor, threshold: 1e-4, minLr: baseLr / 1000 };
  }
  throw bad();
}
