import type { tf } from '../engine/index.js';
import { CheckpointError } from '../errors.js';
import type { StateDict } from '../models/weights/types.js';

/**
 * Small helpers shared by the trainer and the adversarial trainer: gradients keyed for the
 * optimizers, and the tensor groups of a checkpoint.
 */

/** variableGrads keys gradients by tf variable name; the optimizers key by state-dict key. */
export function byKey(vars: Array<[string, tf.Variable]>, grads: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [key, v] of vars) {
    const g = grads[v.name];
    if (g) out[key] = g;
  }
  return out;
}

/** The tensors under `prefix`, with the prefix removed. */
export function pick(tensors: StateDict, prefix: string): StateDict {
  const out: StateDict = new Map();
  for (const [k, t] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  return out;
}

/** Optimizer moments under `prefix`, as flat float arrays by parameter key. */
export function moments(tensors: StateDict, prefix: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, t] of pick(tensors, prefix)) {
    if (!(t.data instanceof Float32Array)) throw new CheckpointError(`checkpoint tensor ${prefix}${k} is not float32`);
    out.set(k, t.data);
  }
  return out;
}
