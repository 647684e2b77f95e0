import { tf } from '../engine/index.js';

/** Adam's saved state: the step count and both moments per parameter key. */
export interface AdamState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Adam with PyTorch's update rule (torch.optim.Adam, no weight decay):
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
 * Why not tf.train.adam: its bias correction lives in float32 variables updated by repeated
 * multiplication and is restored by pow() in setWeights, so a resumed run drifts from an
 * uninterrupted one in the last bits; here the corrections are computed on the host from the
 * integer step, and the state is exactly (t, m, v). The learning rate can change every step.
 * Parameters are keyed by state-dict names, so a checkpoint maps moments to weights by name.
 */
export class Adam {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  lr: number;
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Map<string, tf.Variable>,
    opts: AdamOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    for (const [key, p] of params) {
      this.m.set(key, tf.variable(tf.zerosLike(p), false));
      this.v.set(key, tf.variable(tf.zerosLike(p), false));
    }
  }

  get step(): number {
    return this.t;
  }

  /**
   * One update. `grads` is keyed like the parameters (missing keys are left untouched);
   * `gradScale` (e.g. the clip-by-norm factor) multiplies every gradient, on the device.
   */
  apply(grads: Record<string, tf.Tensor>, gradScale?: tf.Scalar): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    const stepSize = this.lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    tf.tidy(() => {
      for (const [key, p] of this.params) {
        const raw = grads[key];
        if (raw === undefined) continue;
        const g = gradScale ? tf.mul(raw, gradScale) : raw;
        const m = this.m.get(key)!;
        const v = this.v.get(key)!;
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v1), sqrtBc2), this.eps);
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(p, tf.mul(tf.div(m1, denom), stepSize)));
      }
    });
  }

  async exportState(): Promise<AdamState> {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [key, t] of this.m) m.set(key, Float32Array.from((await t.data()) as Float32Array));
    for (const [key, t] of this.v) v.set(key, Float32Array.from((await t.data()) as Float32Array));
    return { step: this.t, m, v };
  }

  /** Restores a saved state; throws RangeError naming the first key that is missing or mis-sized. */
  importState(state: AdamState): void {
    for (const [key, p] of this.params) {
      for (const [which, src, dst] of [['m', state.m, this.m], ['v', state.v, this.v]] as const) {
        const data = src.get(key);
        if (!data) throw new RangeError(`optimizer state has no ${which} for parameter ${key}`);
        if (data.length !== p.size) throw new RangeError(`optimizer ${which} for ${key} has ${data.length} values, parameter has ${p.size}`);
        tf.tidy(() => dst.get(key)!.assign(tf.tensor(data, p.shape, 'float32')));
      }
    }
    this.t = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
