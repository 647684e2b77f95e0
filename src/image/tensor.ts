import { tf } from '../engine/index.js';
import { ImageShapeError } from '../errors.js';
import type { RgbImage } from './types.js';

/** RgbImage → float32 tensor [1, H, W, 3] (NHWC, the library's layout). */
export function imageToTensor(img: RgbImage): tf.Tensor4D {
  if (img.data.length !== img.width * img.height * 3) {
    throw new ImageShapeError(`image ${img.width}x${img.height} RGB needs ${img.width * img.height * 3} values, got ${img.data.length}`);
  }
  return tf.tensor4d(img.data, [1, img.height, img.width, 3], 'float32');
}

/** Tensor [1,H,W,3] or [H,W,3] → RgbImage, clamped to [0,1]. Does not dispose the input. */
export async function tensorToImage(t: tf.Tensor): Promise<RgbImage> {
  const shape = t.shape;
  const hw = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  if (hw.length !== 3 || hw[2] !== 3) {
    throw new ImageShapeError(`tensorToImage: expected shape [1,H,W,3] or [H,W,3], got [${shape.join(',')}]`);
  }
  const clamped = tf.tidy(() => tf.clipByValue(t.toFloat(), 0, 1));
  const data = (await clamped.data()) as Float32Array;
  clamped.dispose();
  return { width: hw[1]!, height: hw[0]!, data: Float32Array.from(data) };
}
