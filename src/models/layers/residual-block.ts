import { tf } from '../../engine/index.js';
import type { ParamStore } from '../param-store.js';
import type { Conv2d } from './conv.js';
import { conv1x1 } from './conv1x1.js';
import { conv3x3 } from './conv3x3.js';
import type { Layer } from './layer.js';

/**
 * CompressAI's ResidualBlock(in, out): conv3x3 → LeakyReLU → conv3x3 → LeakyReLU, plus the
 * input (through a 1x1 `skip` conv when the channel count changes).
 */
export class ResidualBlock implements Layer {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;

  constructor(store: ParamStore, key: string, inC: number, outC: number, rand?: () => number) {
    this.conv1 = conv3x3(store, `${key}.conv1`, inC, outC, 1, rand);
    this.conv2 = conv3x3(store, `${key}.conv2`, outC, outC, 1, rand);
    this.skip = inC !== outC ? conv1x1(store, `${key}.skip`, inC, outC, 1, rand) : null;
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = tf.leakyRelu(this.conv1.apply(x), 0.01);
      const out = tf.leakyRelu(this.conv2.apply(h), 0.01);
      return tf.add(out, this.skip ? this.skip.apply(x) : x);
    });
  }
}
