import type * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../param-store.js';
import { Conv2d } from './conv.js';
import type { Layer } from './layer.js';
import { pixelShuffle } from './pixel-shuffle.js';

/**
 * CompressAI's subpel_conv3x3(in, out, r): Sequential(Conv2d(in, out·r², 3, padding 1),
 * PixelShuffle(r)); the conv is `key.0`. Upsamples by r with torch's channel order.
 */
export class SubpelConv3x3 implements Layer {
  readonly conv: Conv2d;

  constructor(store: ParamStore, key: string, inC: number, outC: number, readonly r = 2, rand?: () => number) {
    this.conv = new Conv2d(store, `${key}.0`, inC, outC * r * r, 3, 1, rand);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const y = this.conv.apply(x);
    const out = pixelShuffle(y, this.r);
    y.dispose();
    return out;
  }
}
