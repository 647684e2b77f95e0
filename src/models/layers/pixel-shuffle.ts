/**
 * torch.nn.PixelShuffle(r) for NHWC tensors. Torch reads input channel c*r*r + i*r + j into
 * output channel c at sub-position (i, j); tf.depthToSpace groups channels the other way
 * ((i*r + j)*C + c) and has no gradient in TF.js, so this is a reshape/transpose that keeps
 * torch's channel order (weights load unpermuted) and is differentiable.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import { tf } from '../../engine/index.js';

export function pixelShuffle(x: tfc.Tensor4D, r: number): tfc.Tensor4D {
  const [b, h, w, cr2] = x.shape;
  if (cr2 % (r * r) !== 0) {
    throw new RangeError(`pixelShuffle: ${cr2} channels are not a multiple of r*r = ${r * r}`);
  }
  const c = cr2 / (r * r);
  return tf.tidy(() => {
    const six = tf.reshape(x, [b, h, w, c, r, r]);
    // [b, h, w, c, i, j] -> [b, h, i, w, j, c]
    return tf.reshape(tf.transpose(six, [0, 1, 4, 2, 5, 3]), [b, h * r, w * r, c]);
  });
}
