import { tf } from '../../engine/index.js';

/** NHWC [B,H,W,C] → [C, 1, B·H·W] (CompressAI's (C, 1, -1) view of the batch-first permute). */
export function toChannelRows(x: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    return tf.reshape(tf.transpose(tf.reshape(x, [b * h * w, c])), [c, 1, b * h * w]);
  });
}

/** Inverse of toChannelRows. */
export function fromChannelRows(r: tf.Tensor3D, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = shape;
    return tf.reshape(tf.transpose(tf.reshape(r, [c, b * h * w])), [b, h, w, c]);
  });
}

/** Values of one batch item of NHWC x in CompressAI's C order over (C, H, W). */
export function channelMajor(x: tf.Tensor4D, item: number): Float32Array {
  return tf.tidy(() => {
    const [, h, w, c] = x.shape;
    const one = tf.slice(x, [item, 0, 0, 0], [1, h, w, c]);
    return tf.transpose(one, [0, 3, 1, 2]).dataSync() as Float32Array;
  });
}

/** Inverse of channelMajor for a batch of items: rows in C,H,W order → NHWC tensor. */
export function fromChannelMajor(items: Float32Array[], c: number, h: number, w: number): tf.Tensor4D {
  return tf.tidy(() => {
    const data = new Float32Array(items.length * c * h * w);
    items.forEach((v, i) => data.set(v, i * c * h * w));
    return tf.transpose(tf.tensor4d(data, [items.length, c, h, w]), [0, 2, 3, 1]);
  });
}
