import { tf } from '../engine/index.js';
import { CheckpointError } from '../errors.js';
import type { StateDict } from '../models/weights/types.js';
import { pick } from './checkpoint-tensors.js';

/** The averages' tensor group in a checkpoint (the trainer's and the adversarial trainer's alike). */
const CHECKPOINT_PREFIX = 'ema/';

/**
 * An exponential moving average of a model's trainable weights (Polyak averaging):
 * avg ← decay·avg + (1 − decay)·w after every update. Small-batch fine-tuning moves the weights
 * noisily from one step to the next; the average sits nearer the middle of where they wander,
 * which in adversarial training is known to be the more robust point (Gowal et al. 2020). The
 * average starts at the weights it is given (the base of a fine-tune), so no bias correction.
 * Only the variables passed in are averaged (not the entropy bottleneck's quantiles, which
 * track the current latents through their own loss).
 */
export class WeightAverage {
  private readonly shadow = new Map<string, tf.Variable>();

  /** `saved`: the averages from a checkpoint (see `toStateDict`); otherwise the current weights. */
  constructor(
    private readonly vars: Map<string, tf.Variable>,
    readonly decay: number,
    saved?: StateDict,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`weight-average decay must be in [0, 1), got ${decay}`);
    // Checked whole before any tensor is made, so a refused checkpoint leaks nothing.
    for (const [key, v] of vars) {
      const t = saved?.get(key);
      if (saved && !t) throw new CheckpointError(`checkpoint has no weight average for ${key}`);
      if (t && (t.data.length !== v.size || !(t.data instanceof Float32Array)))
        throw new CheckpointError(`checkpoint weight average for ${key} does not fit the model (${t.data.length} values, expected ${v.size} float32)`);
    }
    for (const [key, v] of vars) {
      const t = saved?.get(key);
      const init = t ? tf.tensor(t.data as Float32Array, v.shape, 'float32') : v;
      this.shadow.set(key, tf.variable(init, false));
      if (t) init.dispose();
    }
  }

  /** An average that resumes from a checkpoint's tensors when given, else starts at the weights. */
  static fromCheckpoint(vars: Map<string, tf.Variable>, decay: number, checkpoint: StateDict | undefined): WeightAverage {
    return new WeightAverage(vars, decay, checkpoint ? pick(checkpoint, CHECKPOINT_PREFIX) : undefined);
  }

  /** Adds the averages to a checkpoint's tensors, under their own group. */
  addToCheckpoint(tensors: StateDict): void {
    for (const [k, t] of this.toStateDict()) tensors.set(`${CHECKPOINT_PREFIX}${k}`, t);
  }

  /** One averaging step; call after every optimizer update. */
  update(): void {
    tf.tidy(() => {
      for (const [key, v] of this.vars) {
        const s = this.shadow.get(key)!;
        s.assign(tf.add(tf.mul(s, this.decay), tf.mul(v, 1 - this.decay)));
      }
    });
  }

  /** Runs fn with the averaged weights in the model's variables, then puts the live weights back (also on error). */
  async withAveraged<T>(fn: () => T | Promise<T>): Promise<T> {
    const live = new Map<string, tf.Tensor>();
    for (const [key, v] of this.vars) live.set(key, v.clone());
    try {
      this.loadInto();
      return await fn();
    } finally {
      for (const [key, v] of this.vars) v.assign(live.get(key)!);
      tf.dispose([...live.values()]);
    }
  }

  /** Puts the averaged weights into the model's variables for good (the end of a run). */
  loadInto(): void {
    for (const [key, v] of this.vars) v.assign(this.shadow.get(key)!);
  }

  /** The averages by state-dict key, in the variables' own layout (not CompressAI's), for a checkpoint. */
  toStateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [key, s] of this.shadow) out.set(key, { shape: [...s.shape], dtype: 'float32', data: s.dataSync() as Float32Array });
    return out;
  }

  dispose(): void {
    tf.dispose([...this.shadow.values()]);
  }
}
