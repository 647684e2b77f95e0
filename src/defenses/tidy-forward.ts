import { tf } from '../engine/index.js';
import type { CodecForward } from '../codec/types.js';

/** tf.tidy for a CodecForward result: intermediates freed, x̂ and the bit scalars kept. */
export function tidyForward(fn: () => CodecForward): CodecForward {
  const names: string[] = [];
  const [xHat, ...bits] = tf.tidy(() => {
    const out = fn();
    names.push(...Object.keys(out.bits));
    return [out.xHat, ...names.map((n) => out.bits[n]!)];
  }) as tf.Tensor[];
  return { xHat: xHat as tf.Tensor4D, bits: Object.fromEntries(names.map((n, i) => [n, bits[i] as tf.Scalar])) };
}
