import { tf } from '../../engine/index.js';
import type { Layer } from './layer.js';

/** nn.ReLU (no parameters; takes a position in a Sequential). */
export const relu: Layer = { apply: (x) => tf.relu(x) };

/** nn.LeakyReLU with PyTorch's default slope 0.01. */
export const leakyRelu: Layer = { apply: (x) => tf.leakyRelu(x, 0.01) };
