import { tf } from '../../engine/index.js';
import type { ParamStore } from '../param-store.js';
import type { Conv2d } from './conv.js';
import { conv3x3 } from './conv3x3.js';
import { GDN } from './gdn.js';
import type { Layer } from './layer.js';
import { SubpelConv3x3 } from './subpixel-conv.js';

/**
 * CompressAI's ResidualBlockUpsample(in, out, r=2): subpel conv → LeakyReLU → conv3x3 →
 * inverse GDN, plus the input through a second subpel conv (`upsample`).
 */
export class ResidualBlockUpsample implements Layer {
  readonly subpelConv: SubpelConv3x3;
  readonly conv: Conv2d;
  readonly igdn: GDN;
  readonly upsample: SubpelConv3x3;

  constructor(store: ParamStore, key: string, inC: number, outC: number, r = 2, rand?: () => number) {
    this.subpelConv = new SubpelConv3x3(store, `${key}.subpel_conv`, inC, outC, r, rand);
    this.conv = conv3x3(store, `${key}.conv`, outC, outC, 1, rand);
    this.igdn = new GDN(store, `${key}.igdn`, outC, true);
    this.upsample = new SubpelConv3x3(store, `${key}.upsample`, inC, outC, r, rand);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = tf.leakyRelu(this.subpelConv.apply(x), 0.01);
      const out = this.igdn.apply(this.conv.apply(h));
      return tf.add(out, this.upsample.apply(x));
    });
  }
}
