import { tf } from '../../engine/index.js';
import type { ParamStore } from '../param-store.js';
import type { Conv2d } from './conv.js';
import { conv1x1 } from './conv1x1.js';
import { conv3x3 } from './conv3x3.js';
import type { Layer } from './layer.js';

/**
 * AttentionBlock's ResidualUnit: relu(x + conv1x1(N→N/2) → ReLU → conv3x3 → ReLU →
 * conv1x1(N/2→N)); its convs are `key.conv.{0,2,4}` (the ReLUs hold positions 1 and 3).
 */
class ResidualUnit implements Layer {
  private readonly convs: Conv2d[];

  constructor(store: ParamStore, key: string, N: number, rand?: () => number) {
    const half = Math.floor(N / 2);
    this.convs = [
      conv1x1(store, `${key}.conv.0`, N, half, 1, rand),
      conv3x3(store, `${key}.conv.2`, half, half, 1, rand),
      conv1x1(store, `${key}.conv.4`, half, N, 1, rand),
    ];
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [c0, c2, c4] = this.convs as [Conv2d, Conv2d, Conv2d];
      const h = c4.apply(tf.relu(c2.apply(tf.relu(c0.apply(x)))));
      return tf.relu(tf.add(h, x)) as tf.Tensor4D;
    });
  }
}

/**
 * Cheng et al.'s simplified attention block, CompressAI's AttentionBlock(N):
 * x + a(x)·sigmoid(b(x)), a = three residual units (`conv_a.{0,1,2}`), b = three residual units
 * and a conv1x1 (`conv_b.{0,1,2,3}`).
 */
export class AttentionBlock implements Layer {
  private readonly convA: ResidualUnit[];
  private readonly convB: ResidualUnit[];
  private readonly convBOut: Conv2d;

  constructor(store: ParamStore, key: string, N: number, rand?: () => number) {
    this.convA = [0, 1, 2].map((i) => new ResidualUnit(store, `${key}.conv_a.${i}`, N, rand));
    this.convB = [0, 1, 2].map((i) => new ResidualUnit(store, `${key}.conv_b.${i}`, N, rand));
    this.convBOut = conv1x1(store, `${key}.conv_b.3`, N, N, 1, rand);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const a = this.convA.reduce((h, u) => u.apply(h), x);
      const b = this.convBOut.apply(this.convB.reduce((h, u) => u.apply(h), x));
      return tf.add(tf.mul(a, tf.sigmoid(b)), x) as tf.Tensor4D;
    });
  }
}
