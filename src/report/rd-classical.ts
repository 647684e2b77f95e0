/**
 * The classical codecs as the model zoo and the RD sweep see them: name, tools and whether they
 * are on PATH, the default quality sweep. Reads src/classical/registry when it exists, else the
 * per-codec definition files directly (so `models list` and `rd` work while the registry is
 * being written); both are loaded lazily so a missing module only removes classical codecs.
 */
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { UnknownModelError } from '../errors.js';
import type { Codec } from '../codec/types.js';

export interface ClassicalInfo {
  name: string;
  /** External executables it needs ([] for sharp-based codecs). */
  tool: string | null;
  available: boolean;
  /** Specs of the default RD sweep, low to high quality. */
  qualities: string[];
}

interface DefLike {
  name: string;
  tools?: readonly string[];
  defaultSweep?: readonly string[];
  create?(spec: unknown): Codec;
}

interface RegistryLike {
  listClassicalCodecs?: () => unknown;
  classicalCodecFromSpec?: (spec: string) => Promise<Codec | undefined> | Codec | undefined;
}

const DEF_FILES = ['jpeg', 'webp', 'avif', 'jxl', 'j2k', 'hevc', 'vvc'];

async function optionalImport<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

let cache: Promise<{ defs: DefLike[]; registry?: RegistryLike }> | undefined;

function loadDefs(): Promise<{ defs: DefLike[]; registry?: RegistryLike }> {
  cache ??= (async () => {
    const registry = await optionalImport<RegistryLike>('../classical/registry.js');
    const listed = registry?.listClassicalCodecs?.();
    const resolved = listed instanceof Promise ? ((await listed) as unknown) : listed;
    if (Array.isArray(resolved) && resolved.every((d) => typeof (d as DefLike).name === 'string')) {
      return { defs: resolved as DefLike[], registry };
    }
    const defs: DefLike[] = [];
    for (const f of DEF_FILES) {
      const mod = await optionalImport<Record<string, unknown>>(`../classical/${f}.js`);
      const def = mod?.[`${f}Def`] as DefLike | undefined;
      if (def) defs.push(def);
    }
    return { defs, registry };
  })();
  return cache;
}

async function onPath(tool: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

export async function listClassical(): Promise<ClassicalInfo[]> {
  const { defs } = await loadDefs();
  const out: ClassicalInfo[] = [];
  for (const d of defs) {
    const tools = d.tools ?? [];
    let available = true;
    for (const t of tools) available &&= await onPath(t);
    out.push({ name: d.name, tool: tools.length ? tools.join(', ') : null, available, qualities: [...(d.defaultSweep ?? [])] });
  }
  return out;
}

/** A classical codec from a spec ("jpeg@q75"); undefined if the name is not a classical codec. */
export async function classicalFromSpec(spec: string): Promise<Codec | undefined> {
  const { defs, registry } = await loadDefs();
  if (registry?.classicalCodecFromSpec) return (await registry.classicalCodecFromSpec(spec)) ?? undefined;
  const name = spec.trim().toLowerCase().split(/[@:]/, 1)[0]!;
  const def = defs.find((d) => d.name === name);
  if (!def?.create) return undefined;
  const specMod = await optionalImport<{ parseSpec(s: string): unknown }>('../classical/spec.js');
  if (!specMod) return undefined;
  return def.create(specMod.parseSpec(spec));
}

/** The default sweep of a classical codec by name; UnknownModelError if there is none. */
export async function classicalSweep(name: string): Promise<string[]> {
  const info = (await listClassical()).find((c) => c.name === name);
  if (!info) {
    const known = (await listClassical()).map((c) => c.name);
    throw new UnknownModelError(`unknown classical codec "${name}" (known: ${known.length ? known.join(', ') : 'none installed'})`);
  }
  if (!info.qualities.length) throw new UnknownModelError(`classical codec "${name}" has no default quality sweep; give specs like ${name}@50`);
  return info.qualities;
}
