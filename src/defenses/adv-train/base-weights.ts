import { existsSync } from 'node:fs';
import { UnknownModelError } from '../../errors.js';
import { listShippedModels, type ResolveOptions } from '../../codec/resolve.js';

/** The weights file behind a --model spec: a shipped name (weights/ folder) or a path. */
export function baseWeightsPath(spec: string, opts: ResolveOptions = {}): string {
  const shipped = listShippedModels(opts).find((s) => s.name === spec);
  if (shipped) return shipped.file;
  if (existsSync(spec)) return spec;
  throw new UnknownModelError(`adversarial training needs learned weights: "${spec}" is neither a shipped model (see \`advlic models list\`) nor a weights file`);
}
