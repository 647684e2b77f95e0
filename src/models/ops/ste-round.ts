import { tf } from '../../engine/index.js';
import { customUnary } from './custom-unary.js';

/** Straight-through rounding: forward round half to even (as torch.round), gradient 1. */
export const steRound = customUnary(
  (x) => tf.round(x),
  (dy) => dy,
);

/** Identity forward, zero gradient (torch's .detach()). */
export const stopGradient = customUnary(
  (x) => tf.clone(x),
  (dy) => tf.zerosLike(dy),
);
