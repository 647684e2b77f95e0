import type { tf } from '../engine/index.js';
import { CheckpointError } from '../errors.js';
import type { StateDict } from '../models/weights/types.js';
import type { Adam } from './adam.js';

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

/** What a training checkpoint needs from a model and its two optimizers. */
export interface OptimizedModel {
  model: { stateDict(): StateDict };
  adam: Adam;
  auxAdam: Adam;
}

/**
 * The checkpoint's tensors: the model under `model/`, both optimizers' moments under
 * `adam.m/`, `adam.v/`, `aux.m/`, `aux.v/`; and the optimizers' step counters for the state.
 */
export function packCheckpointTensors(o: OptimizedModel): { tensors: StateDict; adamStep: number; auxAdamStep: number } {
  const tensors: StateDict = new Map();
  for (const [k, t] of o.model.stateDict()) tensors.set(`model/${k}`, t);
  const main = o.adam.exportState();
  const aux = o.auxAdam.exportState();
  for (const [prefix, st] of [['adam', main], ['aux', aux]] as const) {
    for (const [k, d] of st.m) tensors.set(`${prefix}.m/${k}`, { dtype: 'float32', shape: [d.length], data: d });
    for (const [k, d] of st.v) tensors.set(`${prefix}.v/${k}`, { dtype: 'float32', shape: [d.length], data: d });
  }
  return { tensors, adamStep: main.step, auxAdamStep: aux.step };
}

/** Restores both optimizers from a checkpoint written by packCheckpointTensors; CheckpointError if they do not fit. */
export function restoreOptimizers(o: Omit<OptimizedModel, 'model'>, tensors: StateDict, steps: { adamStep: number; auxAdamStep: number }): void {
  try {
    o.adam.importState({ step: steps.adamStep, m: moments(tensors, 'adam.m/'), v: moments(tensors, 'adam.v/') });
    o.auxAdam.importState({ step: steps.auxAdamStep, m: moments(tensors, 'aux.m/'), v: moments(tensors, 'aux.v/') });
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`checkpoint optimizer state does not fit the model: ${(err as Error).message}`, { cause: err });
  }
}
