import { AdvlicError, ConfigError } from '../errors.js';
import type { GridSpec } from './spec.js';

/**
 * Checks attack names, options and goals against the attack library before any job runs, so a
 * typo fails the plan with its field (`attacks[1]: ...`) instead of failing every job. Loads the
 * library lazily: only real attack grids pay for it.
 */
export async function validateAttacks(spec: GridSpec, source: string): Promise<void> {
  if (spec.kind !== 'attack') return;
  const [{ attackEntry }, { buildObjective }, { attackSpecOf, goalSpec }] = await Promise.all([
    import('../attacks/registry.js'),
    import('../attacks/objectives.js'),
    import('./executors/attack.js'),
  ]);
  const rethrow = (field: string, err: unknown): never => {
    if (AdvlicError.is(err)) throw new ConfigError(`${source}: ${field}: ${err.message}`, { cause: err });
    throw err;
  };
  spec.attacks.forEach((a, i) => {
    const { eps: _eps, ...attack } = a;
    const { options } = attackSpecOf({ attack, goal: spec.goals[0], eps: 0, seed: 0 } as Parameters<typeof attackSpecOf>[0]);
    try {
      attackEntry(a.name).create(options);
    } catch (err) {
      rethrow(`attacks[${i}]`, err);
    }
  });
  spec.goals.forEach((g, i) => {
    try {
      buildObjective(goalSpec(g));
    } catch (err) {
      rethrow(`goals[${i}]`, err);
    }
  });
}

/**
 * Shipped model configurations (name@quality) with no weights in the weights folder. `grid plan`
 * lists them; `grid run` refuses to start with them (every one of their jobs would fail).
 */
export async function missingShippedWeights(spec: GridSpec): Promise<string[]> {
  if (spec.kind !== 'attack') return [];
  const { listShippedModels } = await import('../codec/resolve.js');
  const { isClassical } = await import('./weights-hash.js');
  const shipped = new Set(listShippedModels().map((m) => m.name));
  const missing: string[] = [];
  for (const m of spec.models) {
    if (m.weights !== undefined || isClassical(m.name)) continue;
    for (const q of m.qualities ?? []) if (!shipped.has(`${m.name}@${q}`)) missing.push(`${m.name}@${q}`);
  }
  return missing;
}
