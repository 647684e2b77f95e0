import { tf } from '../engine/index.js';
import { ImageShapeError } from '../errors.js';
import type { RgbImage } from '../image/types.js';

/** Metrics accept either an RgbImage or a tensor ([1,H,W,3], [N,H,W,C], [H,W,3], ...). */
export type ImageLike = RgbImage | tf.Tensor;

function isTensor(x: ImageLike): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

export function shapeOf(x: ImageLike): readonly number[] {
  return isTensor(x) ? x.shape : [x.height, x.width, 3];
}

/** Flat float values (a copy for tensors: reads synchronously, fine on the CPU-side backends). */
export function valuesOf(x: ImageLike): Float32Array {
  return isTensor(x) ? Float32Array.from(x.dataSync() as Float32Array) : x.data;
}

/** Throws ImageShapeError unless a and b have the same shape. */
export function assertSameShape(a: ImageLike, b: ImageLike, what: string): void {
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  if (sa.length !== sb.length || sa.some((v, i) => v !== sb[i])) {
    throw new ImageShapeError(`${what}: images differ in size (${describe(sa)} vs ${describe(sb)})`);
  }
}

function describe(shape: readonly number[]): string {
  // Show images as WxH; other tensors by their full shape.
  const hw = shape.length === 4 ? shape.slice(1) : shape;
  return hw.length === 3 && hw[2] === 3 ? `${hw[1]}x${hw[0]}` : `[${shape.join(',')}]`;
}
