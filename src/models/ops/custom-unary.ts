import { tf } from '../../engine/index.js';

/**
 * A unary op with a hand-written gradient: `backward(dy, x)` receives the saved input.
 * (Wraps tf.customGrad, whose variadic typing does not fit a unary function directly.)
 */
export function customUnary(
  forward: (x: tf.Tensor) => tf.Tensor,
  backward: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor,
): <T extends tf.Tensor>(x: T) => T {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([x]);
    return {
      value: forward(x),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => backward(dy as tf.Tensor, saved[0]!),
    };
  });
  return <T extends tf.Tensor>(x: T) => op(x) as T;
}
