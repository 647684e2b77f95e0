/**
 * Brings checkpoints from the wild to CompressAI's current key layout: unwraps training-script
 * nestings, strips DataParallel's `module.` prefix, and renames legacy entropy-bottleneck and
 * residual-block keys (what CompressAI's load_pretrained / remap_old_keys do).
 */
import { WeightsFormatError } from '../../errors.js';
import type { PickleDict, PickleValue } from './pickle.js';
import { isTensorData, type StateDict } from './types.js';

const NESTINGS = ['state_dict', 'network', 'model_state_dict', 'model'];

function hasTensors(d: PickleDict): boolean {
  for (const v of d.values()) if (isTensorData(v)) return true;
  return false;
}

/** Finds the dict holding the tensors: the top level, or one of the usual nestings (recursively). */
export function unwrapCheckpoint(tree: PickleValue): PickleDict {
  if (!(tree instanceof Map)) throw new WeightsFormatError('checkpoint: the pickled object is not a dict');
  if (hasTensors(tree)) return tree;
  for (const key of NESTINGS) {
    const inner = tree.get(key);
    if (inner instanceof Map) return unwrapCheckpoint(inner);
  }
  const keys = [...tree.keys()].slice(0, 8).join(', ');
  throw new WeightsFormatError(`checkpoint: no state dict found (top-level keys: ${keys})`);
}

/** Maps one key to CompressAI's current name. */
export function modernKey(key: string): string {
  let k = key.startsWith('module.') ? key.slice('module.'.length) : key;
  k = k.replace(/\.downsample\./g, '.skip.');
  // entropy_bottleneck._matrices.3 / _matrix3 → entropy_bottleneck.matrices.3 (also biases, factors)
  k = k.replace(/(^|\.)_(matrices|biases|factors)\.(\d+)$/, '$1$2.$3');
  k = k.replace(/(^|\.)_(matrix|bias|factor)(\d+)$/, (_m, pre: string, what: string, n: string) => {
    const plural = what === 'matrix' ? 'matrices' : `${what}${what === 'bias' ? 'es' : 's'}`;
    return `${pre}${plural}.${n}`;
  });
  return k;
}

/** Renames every key to CompressAI's current layout, keeping order; refuses collisions. */
export function normalizeStateDict(sd: StateDict): StateDict {
  const out: StateDict = new Map();
  for (const [key, t] of sd) {
    const k = modernKey(key);
    if (out.has(k)) throw new WeightsFormatError(`checkpoint: keys "${key}" and another both map to "${k}"`);
    out.set(k, t);
  }
  return out;
}
