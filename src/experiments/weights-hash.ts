import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { sha256Hex } from './canonical.js';
import { classicalCodecDef } from '../classical/registry.js';

/** Classical codecs (src/classical) have no learned weights: their "weights hash" is the marker `none`. */
export function isClassical(name: string): boolean {
  return classicalCodecDef(name) !== undefined;
}

const cache = new Map<string, string>();

interface ManifestLike {
  architecture?: string;
  arch?: string;
  quality?: number;
  sha256?: string;
}

/** Shipped weights: the sha256 recorded in a weights/*.json manifest for (arch, quality). */
function shippedHash(name: string, quality: number | null): string | undefined {
  const dir = join(PACKAGE_ROOT, 'weights');
  if (!existsSync(dir)) return undefined;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    let m: ManifestLike;
    try {
      m = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ManifestLike;
    } catch {
      continue;
    }
    if ((m.architecture ?? m.arch) === name && m.quality === quality && typeof m.sha256 === 'string') return m.sha256;
  }
  return undefined;
}

/**
 * The weights identity hashed into every job key: sha256 of a weights file, the manifest hash of
 * shipped weights, `none` for classical codecs, else `unresolved:<name>@<q>` (the model registry
 * resolves it at run time; rows then still say which model was meant).
 */
export function weightsHash(model: { name: string; weights?: string }, quality: number | null, baseDir: string): string {
  const id = `${model.name}|${model.weights ?? ''}|${quality}|${baseDir}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  let h: string;
  if (model.weights !== undefined) {
    const p = isAbsolute(model.weights) ? model.weights : resolve(baseDir, model.weights);
    if (!existsSync(p)) throw new ConfigError(`models: weights file ${model.weights} does not exist (resolved to ${p})`);
    h = sha256Hex(readFileSync(p));
  } else if (isClassical(model.name)) h = 'none';
  else h = shippedHash(model.name, quality) ?? `unresolved:${model.name}@${quality}`;
  cache.set(id, h);
  return h;
}
