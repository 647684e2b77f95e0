import { ConfigError } from '../errors.js';
import { isDifferentiable, type Codec } from '../codec/types.js';
import { resolveCodec, type ResolveOptions } from '../codec/resolve.js';
import { createDefence } from './registry.js';

export interface DefenceSpec {
  name: string;
  options: Record<string, number>;
}

/** "blur:sigma=1" → { name: 'blur', options: { sigma: 1 } }; values may be fractions like 8/255. */
export function parseDefenceSpec(text: string): DefenceSpec {
  const [name, rest] = splitOnce(text.trim(), ':');
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ConfigError(`defence spec "${text}": expected NAME[:k=v,...]`);
  const options: Record<string, number> = {};
  for (const kv of rest ? rest.split(',') : []) {
    const [k, v] = splitOnce(kv, '=');
    const value = parseNumber(v);
    if (!k || value === undefined) throw new ConfigError(`defence spec "${text}": option "${kv}" must be key=number`);
    options[k] = value;
  }
  return { name, options };
}

/**
 * Resolves "DEFENCE[:k=v,...]+MODEL", e.g. "blur:sigma=1+bmshj2018-hyperprior@3", to a
 * defended codec over resolveCodec(MODEL). Defences stack left to right, outermost first:
 * "jpeg+blur+M" is jpeg(blur(M)). A spec without '+' resolves to the plain codec.
 */
export async function resolveDefendedCodec(spec: string, opts: ResolveOptions = {}): Promise<Codec> {
  const parts = spec.split('+');
  const model = parts.pop()!;
  let codec = await resolveCodec(model, opts);
  try {
    for (const d of parts.reverse()) {
      const { name, options } = parseDefenceSpec(d);
      if (!isDifferentiable(codec)) throw new ConfigError(`defence ${name} wraps a differentiable (learned) codec; ${codec.id} is not`);
      codec = createDefence(name, codec, options);
    }
  } catch (e) {
    codec.dispose?.();
    throw e;
  }
  return codec;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function parseNumber(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^(-?[\d.]+(?:e-?\d+)?)(?:\/([\d.]+))?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]) / (m[2] ? Number(m[2]) : 1);
  return Number.isFinite(n) ? n : undefined;
}
