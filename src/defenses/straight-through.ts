import { tf } from '../engine/index.js';
import { customUnary } from '../models/ops/custom-unary.js';

/**
 * BPDA (Athalye et al. 2018): the forward value is `real(x)` (any function, even one that leaves
 * the tensor world), the backward pass treats it as the identity.
 */
export function straightThrough(x: tf.Tensor4D, real: (x: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const op = customUnary(
    (input) => tf.tidy(() => real(input as tf.Tensor4D)),
    (dy) => dy.clone(),
  );
  return op(x);
}
