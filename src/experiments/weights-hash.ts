import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { listShippedModels } from '../codec/resolve.js';
import { sha256Hex } from './canonical.js';
import { classicalCodecDef } from '../classical/registry.js';

/** Classical codecs (src/classical) have no learned weights: their "weights hash" is the marker `none`. */
export function isClassical(name: string): boolean {
  return classicalCodecDef(name) !== undefined;
}

const cache = new Map<string, string>();

/**
 * Shipped weights: the manifest sha256 of exactly the model `name@quality` resolves to — not of a
 * variant of it (`name@quality:advtrain` shares arch and quality, and its manifest sorts first).
 */
function shippedHash(name: string, quality: number | null): string | undefined {
  if (quality === null) return undefined;
  return listShippedModels().find((s) => s.name === `${name}@${quality}`)?.manifest.sha256;
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
