import type { LearnedModel } from '../models/types.js';
import type { StateDict } from '../models/weights/types.js';

/**
 * Warm start across architectures: copies every tensor of `init` whose key and shape match the
 * model's (e.g. g_a/g_s of a trained hyperprior into a fresh mbt2018) and keeps the model's own
 * initial values for the rest. Returns what was taken, so the run can report it.
 */
export function loadMatchingTensors(model: LearnedModel, init: StateDict): { loaded: number; total: number; skipped: string[] } {
  const current = model.stateDict();
  const merged: StateDict = new Map();
  const skipped: string[] = [];
  let loaded = 0;
  for (const [key, own] of current) {
    const other = init.get(key);
    const fits = other !== undefined && other.dtype === own.dtype && other.shape.length === own.shape.length && other.shape.every((d, i) => d === own.shape[i]);
    if (fits) loaded++;
    else skipped.push(key);
    merged.set(key, fits ? other : own);
  }
  model.loadStateDict(merged);
  return { loaded, total: current.size, skipped };
}
