import { tf } from '../engine/index.js';

/**
 * Adam (Kingma & Ba 2015) on one tensor, written out so that the optimised variable can be a
 * plain tensor (δ or C&W's w) and every step is deterministic. `step` DESCENDS the gradient.
 */
export class Adam {
  private m: tf.Tensor | undefined;
  private v: tf.Tensor | undefined;
  private t = 0;

  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {}

  /** Returns the updated parameter (new tensor); the caller disposes the old one and `grad`. */
  step<T extends tf.Tensor>(param: T, grad: T): T {
    this.t++;
    const [m, v, next] = tf.tidy(() => {
      const m = this.m ? tf.add(tf.mul(this.m, this.beta1), tf.mul(grad, 1 - this.beta1)) : tf.mul(grad, 1 - this.beta1);
      const v = this.v
        ? tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2))
        : tf.mul(tf.square(grad), 1 - this.beta2);
      const mHat = tf.div(m, 1 - Math.pow(this.beta1, this.t));
      const vHat = tf.div(v, 1 - Math.pow(this.beta2, this.t));
      const next = tf.sub(param, tf.mul(this.lr, tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon))));
      return [m, v, next];
    });
    this.m?.dispose();
    this.v?.dispose();
    this.m = m;
    this.v = v;
    return next as T;
  }

  dispose(): void {
    this.m?.dispose();
    this.v?.dispose();
    this.m = this.v = undefined;
  }
}
