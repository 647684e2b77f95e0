/**
 * Classical codecs by name: the parser src/codec/resolve.ts calls before trying learned models,
 * and the availability listing (`advlic codecs`/reports). Spec grammar: see spec.ts.
 */
import type { Codec } from '../codec/types.js';
import { avifDef } from './avif.js';
import type { ClassicalCodecDef } from './definition.js';
import { hevcDef } from './hevc.js';
import { j2kDef } from './j2k.js';
import { jpegDef } from './jpeg.js';
import { jxlDef } from './jxl.js';
import { findTool, requireTools } from './run-tool.js';
import { parseSpec, specName } from './spec.js';
import { vvcDef } from './vvc.js';
import { webpDef } from './webp.js';

export const CLASSICAL_CODECS: readonly ClassicalCodecDef[] = [jpegDef, webpDef, avifDef, jxlDef, j2kDef, hevcDef, vvcDef];

export function classicalCodecDef(name: string): ClassicalCodecDef | undefined {
  const n = name.toLowerCase();
  return CLASSICAL_CODECS.find((d) => d.name === n || d.aliases.includes(n));
}

/**
 * "jpeg@75", "jxl@d1.5", "hevc@qp32:444", ... → a Codec; undefined when the name is not a
 * classical codec (so the caller tries learned models); ConfigError for a known codec with a
 * bad parameter. Tool presence is checked on first use (ToolMissingError), not here, so specs
 * can be validated on machines without the tools.
 */
export async function classicalCodecFromSpec(spec: string): Promise<Codec | undefined> {
  const def = classicalCodecDef(specName(spec));
  if (!def) return undefined;
  const parsed = parseSpec(spec);
  return def.create({ ...parsed, name: def.name });
}

export interface ClassicalCodecStatus {
  name: string;
  available: boolean;
  /** The external tools it runs, comma-separated (absent for the sharp-based codecs). */
  tool?: string;
  /** The same as a list ([] for the sharp-based codecs). */
  tools: string[];
  /** Why it is unavailable. */
  reason?: string;
  description: string;
  defaultSweep: string[];
}

export async function listClassicalCodecs(): Promise<ClassicalCodecStatus[]> {
  const out: ClassicalCodecStatus[] = [];
  for (const def of CLASSICAL_CODECS) {
    const missing: string[] = [];
    for (const t of def.tools) if (!(await findTool(t))) missing.push(t);
    const status: ClassicalCodecStatus = {
      name: def.name,
      available: missing.length === 0,
      tools: [...def.tools],
      description: def.description,
      defaultSweep: [...def.defaultSweep],
    };
    if (def.tools.length) status.tool = def.tools.join(', ');
    if (missing.length) status.reason = `not found on PATH: ${missing.join(', ')}${def.installHint ? ` (${def.installHint})` : ''}`;
    out.push(status);
  }
  return out;
}

/**
 * Checks, before any slow work, that every classical codec named in `specs` parses and has its
 * tools (ToolMissingError / the spec's own error, one line); names that are not classical
 * codecs are left to their caller.
 */
export async function requireClassicalSpecs(specs: readonly string[]): Promise<void> {
  for (const spec of specs) {
    const def = classicalCodecDef(specName(spec));
    if (!def) continue;
    def.create({ ...parseSpec(spec), name: def.name });
    await requireTools(def.name, def.tools, def.installHint);
  }
}
