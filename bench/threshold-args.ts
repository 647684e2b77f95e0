/**
 * Command line of the A/B benches (attack-ab.ts, layer-ab.ts): positional `key=value` threshold
 * changes (values parse as JSON, else stay strings) and `--reps N`. Returns side B's changes and
 * side A's current values of the same keys.
 */
import { parseArgs } from 'node:util';
import { thresholds } from '../src/engine/ort/thresholds.js';

export function thresholdArgs(defaultReps: number): { reps: number; base: Record<string, unknown>; changes: Record<string, unknown> } {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { reps: { type: 'string', default: String(defaultReps) } } });
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got '${values.reps}'`);
  const parse = (v: string): unknown => { try { return JSON.parse(v); } catch { return v; } };
  const changes = Object.fromEntries(positionals.map((kv) => {
    const [k, v] = kv.split('=') as [string, string];
    if (!(k in thresholds)) throw new Error(`unknown threshold '${k}'`);
    return [k, parse(v)];
  }));
  const base = Object.fromEntries(Object.keys(changes).map((k) => [k, (thresholds as Record<string, unknown>)[k]]));
  return { reps, base, changes };
}
