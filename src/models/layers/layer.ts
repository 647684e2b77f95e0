import type * as tf from '@tensorflow/tfjs-core';

/** A block of a transform (g_a, g_s, h_a, h_s): NHWC in, NHWC out. */
export interface Layer {
  apply(x: tf.Tensor4D): tf.Tensor4D;
}

/** Runs layers in order (torch.nn.Sequential); the position i is the key segment `prefix.i`. */
export class Sequential implements Layer {
  constructor(readonly layers: Layer[]) {}
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.layers.reduce((h, l) => l.apply(h), x);
  }
}
