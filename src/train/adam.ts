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
 * One fused pass per parameter over host arrays (the engines keep tensor data in host memory):
 * ~12 tensor ops per parameter, each allocating, become one loop; the gradient scale (clipping)
 * is folded in. Why not tf.train.adam: its bias corrections live in float32 variables updated
 * by repeated multiplication and are restored by pow() in setWeights, so a resumed run drifts
 * from an uninterrupted one in the last bits; here they are computed from the integer step,
 * and the whole state is (t, m, v). The learning rate may change every step.
 * Parameters are keyed by state-dict names, so a checkpoint maps moments to weights by name.
 */
export class Adam {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  lr: number;
  private t = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(
    private readonly params: Map<string, tf.Variable>,
    opts: AdamOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    for (const [key, p] of params) {
      this.m.set(key, new Float32Array(p.size));
      this.v.set(key, new Float32Array(p.size));
    }
  }

  get step(): number {
    return this.t;
  }

  /**
   * One update. `grads` is keyed like the parameters (missing keys are left untouched);
   * `gradScale` (e.g. the clip-by-norm factor) multiplies every gradient.
   */
  apply(grads: Record<string, tf.Tensor>, gradScale = 1): void {
    this.t++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const eps = this.eps;
    const stepSize = this.lr / (1 - b1 ** this.t);
    const invSqrtBc2 = 1 / Math.sqrt(1 - b2 ** this.t);
    for (const [key, p] of this.params) {
      const gt = grads[key];
      if (gt === undefined) continue;
      const g = gt.dataSync() as Float32Array;
      const w = p.dataSync() as Float32Array;
      const m = this.m.get(key)!;
      const v = this.v.get(key)!;
      const next = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]! * gradScale;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        next[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
      }
      tf.tidy(() => p.assign(tf.tensor(next, p.shape, 'float32')));
    }
  }

  exportState(): AdamState {
    const copy = (src: Map<string, Float32Array>) => new Map([...src].map(([k, a]) => [k, a.slice()]));
    return { step: this.t, m: copy(this.m), v: copy(this.v) };
  }

  /** Restores a saved state; throws RangeError naming the first key that is missing or mis-sized. */
  importState(state: AdamState): void {
    for (const [key, p] of this.params) {
      for (const [which, src, dst] of [['m', state.m, this.m], ['v', state.v, this.v]] as const) {
        const data = src.get(key);
        if (!data) throw new RangeError(`optimizer state has no ${which} for parameter ${key}`);
        if (data.length !== p.size) throw new RangeError(`optimizer ${which} for ${key} has ${data.length} values, parameter has ${p.size}`);
        dst.set(key, Float32Array.from(data));
      }
    }
    this.t = state.step;
  }

  dispose(): void {
    this.m.clear();
    this.v.clear();
  }
}
