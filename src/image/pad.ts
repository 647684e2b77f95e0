import { tf } from '../engine/index.js';
import { ImageShapeError } from '../errors.js';

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export type PadMode = 'zeros' | 'replicate';

/**
 * Pads an NHWC tensor so H and W become multiples of `multiple` (64 for 6 stride-2 stages),
 * split as CompressAI's eval_model does: left = floor((W' - W) / 2), right = the rest, and
 * likewise top/bottom. 'zeros' matches CompressAI; 'replicate' repeats the edge pixels.
 * Differentiable (pad, slice, tile, concat). The caller owns `padded`.
 */
export function padTo(x: tf.Tensor4D, multiple: number, mode: PadMode = 'zeros'): { padded: tf.Tensor4D; pad: Padding } {
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`padTo: multiple must be a positive integer, got ${multiple}`);
  const [, h, w] = x.shape;
  const newH = Math.ceil(h / multiple) * multiple;
  const newW = Math.ceil(w / multiple) * multiple;
  const top = Math.floor((newH - h) / 2);
  const left = Math.floor((newW - w) / 2);
  const pad: Padding = { top, bottom: newH - h - top, left, right: newW - w - left };
  const padded = tf.tidy(() => (mode === 'zeros' ? padZeros(x, pad) : padReplicate(x, pad)));
  return { padded, pad };
}

/**
 * Crops an NHWC tensor back to height x width, removing the padding padTo added (the same
 * floor-half split, so cropTo(padTo(x).padded, H, W) returns x exactly). Differentiable.
 */
export function cropTo(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (height > h || width > w || height < 1 || width < 1) {
    throw new ImageShapeError(`cropTo: cannot crop ${h}x${w} to ${height}x${width}`);
  }
  const top = Math.floor((h - height) / 2);
  const left = Math.floor((w - width) / 2);
  return tf.slice(x, [0, top, left, 0], [n, height, width, c]);
}

function padZeros(x: tf.Tensor4D, p: Padding): tf.Tensor4D {
  return tf.pad(x, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
}

/** Edge replication: tile the first/last row, then the first/last column, and concatenate. */
function padReplicate(x: tf.Tensor4D, p: Padding): tf.Tensor4D {
  const [n, h, , c] = x.shape;
  const rows: tf.Tensor4D[] = [];
  if (p.top > 0) rows.push(tf.tile(tf.slice(x, [0, 0, 0, 0], [n, 1, -1, c]), [1, p.top, 1, 1]));
  rows.push(x);
  if (p.bottom > 0) rows.push(tf.tile(tf.slice(x, [0, h - 1, 0, 0], [n, 1, -1, c]), [1, p.bottom, 1, 1]));
  const tall = rows.length === 1 ? x : tf.concat(rows, 1);
  const w = tall.shape[2];
  const cols: tf.Tensor4D[] = [];
  if (p.left > 0) cols.push(tf.tile(tf.slice(tall, [0, 0, 0, 0], [n, -1, 1, c]), [1, 1, p.left, 1]));
  cols.push(tall);
  if (p.right > 0) cols.push(tf.tile(tf.slice(tall, [0, 0, w - 1, 0], [n, -1, 1, c]), [1, 1, p.right, 1]));
  return cols.length === 1 ? tall.clone() : tf.concat(cols, 2);
}
