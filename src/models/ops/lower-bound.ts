import { tf } from '../../engine/index.js';
import { customUnary } from './custom-unary.js';

const cache = new Map<number, <T extends tf.Tensor>(x: T) => T>();

/**
 * max(x, bound) with CompressAI's LowerBound gradient: the gradient passes where x >= bound
 * or where it pushes x upwards (grad < 0 under gradient descent), so a clamped value can
 * still be pulled back into range.
 */
export function lowerBound<T extends tf.Tensor>(x: T, bound: number): T {
  let op = cache.get(bound);
  if (!op) {
    op = customUnary(
      (input) => tf.maximum(input, bound),
      (dy, input) => tf.where(tf.logicalOr(tf.greaterEqual(input, bound), tf.less(dy, 0)), dy, tf.zerosLike(dy)),
    );
    cache.set(bound, op);
  }
  return op(x);
}
