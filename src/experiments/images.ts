import { readdirSync, statSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';
import { sha256Hex } from './canonical.js';

const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?|bmp|avif)$/i;

/** Glob pattern → regex over '/'-separated paths: `**` any depth, `*` and `?` within a segment. */
function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.isFile()) out.push(p);
  }
}

function expandOne(entry: string, baseDir: string): string[] {
  const abs = isAbsolute(entry) ? entry : resolve(baseDir, entry);
  if (/[*?]/.test(abs)) {
    const parts = abs.split(sep);
    const firstGlob = parts.findIndex((p) => /[*?]/.test(p));
    const root = parts.slice(0, firstGlob).join(sep) || sep;
    const files: string[] = [];
    try {
      walk(root, files);
    } catch {
      return [];
    }
    const re = globToRegex(abs.split(sep).join('/'));
    return files.filter((f) => re.test(f.split(sep).join('/')) && IMAGE_EXT.test(f));
  }
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new ConfigError(`images: ${entry} does not exist (resolved to ${abs})`);
  }
  if (st.isDirectory()) {
    const files: string[] = [];
    walk(abs, files);
    return files.filter((f) => IMAGE_EXT.test(f));
  }
  return [abs];
}

export interface ImageRef {
  path: string;
  /** sha256 of the file's bytes: the job key uses content, not location. */
  sha256: string;
}

/** Expands files, folders and globs (relative to `baseDir`) into sorted unique image files. */
export function expandImages(entries: readonly string[], baseDir: string, maxImages?: number): ImageRef[] {
  const all = new Set<string>();
  for (const e of entries) {
    const found = expandOne(e, baseDir);
    if (found.length === 0) throw new ConfigError(`images: ${e} matches no image file`);
    for (const f of found) all.add(f);
  }
  let paths = [...all].sort();
  if (maxImages !== undefined) paths = paths.slice(0, maxImages);
  return paths.map((path) => ({ path, sha256: sha256Hex(readFileSync(path)) }));
}
