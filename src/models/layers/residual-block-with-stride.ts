import { tf } from '../../engine/index.js';
import type { ParamStore } from '../param-store.js';
import type { Conv2d } from './conv.js';
import { conv1x1 } from './conv1x1.js';
import { conv3x3 } from './conv3x3.js';
import { GDN } from './gdn.js';
import type { Layer } from './layer.js';

/**
 * CompressAI's ResidualBlockWithStride(in, out, stride=2): strided conv3x3 → LeakyReLU →
 * conv3x3 → GDN, plus the input through a strided 1x1 `skip` conv (identity only when
 * stride 1 and in = out).
 */
export class ResidualBlockWithStride implements Layer {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly gdn: GDN;
  readonly skip: Conv2d | null;

  constructor(store: ParamStore, key: string, inC: number, outC: number, stride = 2, rand?: () => number) {
    this.conv1 = conv3x3(store, `${key}.conv1`, inC, outC, stride, rand);
    this.conv2 = conv3x3(store, `${key}.conv2`, outC, outC, 1, rand);
    this.gdn = new GDN(store, `${key}.gdn`, outC);
    this.skip = stride !== 1 || inC !== outC ? conv1x1(store, `${key}.skip`, inC, outC, stride, rand) : null;
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = tf.leakyRelu(this.conv1.apply(x), 0.01);
      const out = this.gdn.apply(this.conv2.apply(h));
      return tf.add(out, this.skip ? this.skip.apply(x) : x);
    });
  }
}
