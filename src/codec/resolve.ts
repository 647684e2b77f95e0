/**
 * One place that turns what a user types after --model into a Codec:
 *   - a shipped name            "bmshj2018-hyperprior@3", "mbt2018@6:advtrain"  (weights/ folder)
 *   - a weights file            "runs/x/model.safetensors", "ckpt.pth.tar"       (--arch to override)
 *   - a classical codec spec    "jpeg@75", "webp@q80", "avif@50"                 (src/classical)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnknownModelError, WeightsMismatchError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { createModel, inferConfigFromStateDict, isArchName } from '../models/registry.js';
import { loadWeightsFile } from '../models/weights/load.js';
import { ManifestSchema, type WeightsManifest } from '../models/weights/manifest.js';
import type { Codec } from './types.js';
import { LearnedCodec } from './learned-codec.js';

export interface ResolveOptions {
  /** Architecture override for checkpoints whose keys do not tell it. */
  arch?: string;
  /** Quality label for weights files without a manifest. */
  quality?: number;
  /** Folder of shipped weights (default: the package's weights/, or env ADVLIC_WEIGHTS_DIR). */
  weightsDir?: string;
}

export interface ShippedModel {
  /** The name to pass to --model, e.g. "bmshj2018-hyperprior@3". */
  name: string;
  file: string;
  manifest: WeightsManifest;
}

export function weightsDir(opts: ResolveOptions = {}): string {
  return opts.weightsDir ?? process.env.ADVLIC_WEIGHTS_DIR ?? join(PACKAGE_ROOT, 'weights');
}

/** Shipped weights: every `<stem>.safetensors` with a valid `<stem>.json` manifest in the weights folder. */
export function listShippedModels(opts: ResolveOptions = {}): ShippedModel[] {
  const dir = weightsDir(opts);
  if (!existsSync(dir)) return [];
  const out: ShippedModel[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.safetensors')) continue;
    const stem = f.slice(0, -'.safetensors'.length);
    const mPath = join(dir, `${stem}.json`);
    if (!existsSync(mPath)) continue;
    const parsed = ManifestSchema.safeParse(JSON.parse(readFileSync(mPath, 'utf8')));
    if (!parsed.success) continue;
    out.push({ name: shippedName(stem, parsed.data), file: join(dir, f), manifest: parsed.data });
  }
  return out;
}

/** "bmshj2018-hyperprior-q3" → "bmshj2018-hyperprior@3"; "mbt2018-q6-advtrain" → "mbt2018@6:advtrain". */
function shippedName(stem: string, m: WeightsManifest): string {
  const base = `${m.arch}-q${m.quality}`;
  const variant = stem.startsWith(base) ? stem.slice(base.length).replace(/^[-_]/, '') : '';
  return `${m.arch}@${m.quality}${variant ? `:${variant}` : ''}`;
}

const SHIPPED = /^([a-z0-9-]+)@(\d+)(?::([A-Za-z0-9_-]+))?$/;

export async function resolveCodec(spec: string, opts: ResolveOptions = {}): Promise<Codec> {
  // "DEFENCE[:k=v]+MODEL": a defended codec (src/defenses), loaded lazily to keep imports downward.
  if (spec.includes('+') && !existsSync(spec)) {
    const defended = '../defenses/resolve.js';
    const mod = (await import(defended)) as { resolveDefendedCodec(s: string, o: ResolveOptions): Promise<Codec> };
    return mod.resolveDefendedCodec(spec, opts);
  }
  const classical = await resolveClassical(spec);
  if (classical) return classical;

  const m = SHIPPED.exec(spec);
  if (m && isArchName(m[1]!)) {
    const wanted = spec;
    const found = listShippedModels(opts).find((s) => s.name === wanted);
    if (!found) {
      const have = listShippedModels(opts).map((s) => s.name);
      throw new UnknownModelError(
        `no shipped weights for "${spec}" (shipped: ${have.length ? have.join(', ') : 'none'}); pass a weights file instead`,
      );
    }
    return LearnedCodec.fromWeightsFile(found.file);
  }

  if (existsSync(spec)) {
    if (!opts.arch) return LearnedCodec.fromWeightsFile(spec, opts.quality);
    return loadWithArch(spec, opts.arch, opts.quality);
  }
  throw new UnknownModelError(
    `"${spec}" is neither a shipped model (e.g. bmshj2018-hyperprior@3; see \`advlic models list\`), a classical codec (e.g. jpeg@75), nor an existing weights file`,
  );
}

async function loadWithArch(path: string, arch: string, quality?: number): Promise<Codec> {
  if (!isArchName(arch)) throw new UnknownModelError(`unknown architecture "${arch}"`);
  const w = await loadWeightsFile(path);
  const inferred = inferConfigFromStateDict(w.stateDict);
  const model = createModel({ arch, N: inferred.N, M: inferred.M });
  try {
    model.loadStateDict(w.stateDict);
  } catch (e) {
    model.dispose();
    if (e instanceof WeightsMismatchError) throw new WeightsMismatchError(`${path} does not fit --arch ${arch}: ${e.message}`);
    throw e;
  }
  return new LearnedCodec(model, { weightsHash: w.sha256, quality: quality ?? w.manifest?.quality });
}

/** Classical codecs register a parser in src/classical; absent module = no classical codecs. */
async function resolveClassical(spec: string): Promise<Codec | undefined> {
  let mod: { classicalCodecFromSpec?: (s: string) => Promise<Codec | undefined> | Codec | undefined };
  try {
    // A variable specifier keeps the classical codecs an optional, lazily loaded module.
    const registry = '../classical/registry.js';
    mod = (await import(registry)) as typeof mod;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  return mod.classicalCodecFromSpec ? await mod.classicalCodecFromSpec(spec) : undefined;
}
