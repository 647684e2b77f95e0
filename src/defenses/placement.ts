import { tf } from '../engine/index.js';
import { BitstreamError } from '../errors.js';

/**
 * An exactly invertible geometric transform: a circular shift by (dy, dx) pixels, then one of
 * the 8 symmetries of the square (D4). d's bits: 4 = transpose (swaps H and W), then
 * 1 = mirror left-right, 2 = mirror top-bottom. The codec sees the transformed image and pads
 * ITS size (rotated images of non-square inputs have H and W swapped), so no padding is lost.
 */
export interface Placement {
  d: number;
  dy: number;
  dx: number;
}

export const IDENTITY: Placement = { d: 0, dy: 0, dx: 0 };

export const DIHEDRAL_NAMES = ['id', 'flip-lr', 'flip-tb', 'rot180', 'transpose', 'rot270', 'rot90', 'anti-transpose'] as const;

function roll(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  return tf.tidy(() => {
    let y = x;
    const [, h, w] = x.shape;
    const sy = ((dy % h) + h) % h;
    const sx = ((dx % w) + w) % w;
    if (sy) y = tf.concat([tf.slice(y, [0, h - sy, 0, 0], [-1, sy, -1, -1]), tf.slice(y, [0, 0, 0, 0], [-1, h - sy, -1, -1])], 1);
    if (sx) y = tf.concat([tf.slice(y, [0, 0, w - sx, 0], [-1, -1, sx, -1]), tf.slice(y, [0, 0, 0, 0], [-1, -1, w - sx, -1])], 2);
    return y === x ? tf.clone(x) : y;
  });
}

function flips(x: tf.Tensor4D, d: number): tf.Tensor4D {
  const axes = [...(d & 1 ? [2] : []), ...(d & 2 ? [1] : [])];
  return axes.length ? tf.reverse(x, axes) : tf.clone(x);
}

/** Applies p (differentiable: slices, concat, reverse, transpose). */
export function applyPlacement(x: tf.Tensor4D, p: Placement): tf.Tensor4D {
  return tf.tidy(() => {
    const shifted = roll(x, p.dy, p.dx);
    const t = p.d & 4 ? tf.transpose(shifted, [0, 2, 1, 3]) : shifted;
    return flips(t, p.d);
  });
}

/** The exact inverse of applyPlacement. */
export function invertPlacement(y: tf.Tensor4D, p: Placement): tf.Tensor4D {
  return tf.tidy(() => {
    const unflipped = flips(y, p.d);
    const t = p.d & 4 ? tf.transpose(unflipped, [0, 2, 1, 3]) : unflipped;
    return roll(t, -p.dy, -p.dx);
  });
}

/** Reads a placement signalled in a bitstream's extras; BitstreamError when malformed. */
export function parsePlacement(v: unknown): Placement {
  const p = v as Partial<Placement> | undefined;
  const ok = (n: unknown, lo: number, hi: number) => Number.isInteger(n) && (n as number) >= lo && (n as number) <= hi;
  if (!p || !ok(p.d, 0, 7) || !ok(p.dy, 0, 1 << 20) || !ok(p.dx, 0, 1 << 20)) {
    throw new BitstreamError(`defended bitstream: transform ${JSON.stringify(v)} is not a valid {d: 0..7, dy, dx}`);
  }
  return { d: p.d!, dy: p.dy!, dx: p.dx! };
}
