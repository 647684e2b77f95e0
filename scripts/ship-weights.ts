/**
 * Copies trained runs into weights/ under their shipped names (<arch>-q<Q>.safetensors + .json),
 * stored as float16 (integer CDF buffers stay int32) and without the buffers a model rebuilds on
 * load (masks, the Gaussian conditional's tables: src/models/weights/derivable.ts), to keep the
 * package small. The manifest keeps the training record; its sha256 is updated to the shipped
 * file, and its Kodak numbers are re-measured afterwards by `advlic rd`, since fp16 storage moves
 * them slightly.
 *   node --import tsx scripts/ship-weights.ts [--scale-levels N] RUN_DIR [RUN_DIR...]
 *   node --import tsx scripts/ship-weights.ts --scale-levels N --shipped NAME [NAME...]
 *     (NAME: a file stem in weights/, e.g. bmshj2018-hyperprior-q4)
 *     --scale-levels N gives the Gaussian conditional a finer scale table of N float16 entries
 *     (src/models/entropy/scale-table.ts): same model, fewer real bits (the 64-entry default
 *     rounds every predicted scale up by up to 13 %). The file then stores the table, not its CDFs.
 *   node --import tsx scripts/ship-weights.ts --kodak-from RD_JSON
 *     (sets the `kodak` numbers of every shipped manifest whose file an `advlic rd` run on Kodak
 *     measured, matched by the weights sha256 the run recorded: `advlic models list` then shows
 *     the shipped file's own real-bitstream numbers, not training's validation on its fp32 weights)
 *   (any form: --weights-dir DIR works on DIR instead of the package's weights/)
 *   node --import tsx scripts/ship-weights.ts --slim     (re-store already shipped files slim)
 *   node --import tsx scripts/ship-weights.ts --restore-constants
 *     (files shipped before safetensors kept fp16-unsafe tensors in float32 hold 0 for the
 *     likelihood lower bounds and GDN pedestals: put the architecture's constants back)
 */
import { readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../src/models/weights/safetensors.js';
import { sha256Bytes } from '../src/models/weights/load.js';
import { ManifestSchema } from '../src/models/weights/manifest.js';
import { withScaleTable, withoutDerivableBuffers } from '../src/models/weights/derivable.js';
import { fitsFloat16 } from '../src/models/weights/safetensors.js';
import { createModel } from '../src/models/registry.js';
import { initEngine } from '../src/engine/index.js';
import { DEFAULT_SCALE_LEVELS, MAX_SCALE_LEVELS, float16ScaleTable, isScaleLevels } from '../src/models/entropy/scale-table.js';
import { PACKAGE_ROOT } from '../src/version.js';
import { listShippedModels } from '../src/codec/resolve.js';

// The shipped weights folder; `--weights-dir DIR` (first) points the script at another one.
const args = process.argv.slice(2);
const wd = args.indexOf('--weights-dir');
const out = wd >= 0 ? args.splice(wd, 2)[1] ?? '' : join(PACKAGE_ROOT, 'weights');
if (!out) throw new Error('--weights-dir needs a folder');

function writeAtomic(path: string, bytes: Uint8Array | string): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

/**
 * The weights file re-stored for shipping: float16, without derivable buffers, and with a
 * `levels`-entry scale table if asked (its CDFs dropped: the loader rebuilds them from it).
 */
function shippedBytes(path: string, levels?: number): { bytes: Uint8Array; levels?: number } {
  const read = readSafetensors(new Uint8Array(readFileSync(path)));
  let stateDict = read.stateDict;
  if (levels !== undefined) {
    if (![...stateDict.keys()].some((k) => k.startsWith('gaussian_conditional.'))) throw new Error(`${path}: no Gaussian conditional, so no scale table to set`);
    stateDict = withScaleTable(stateDict, float16ScaleTable(levels));
  }
  const stored = stateDict.get('gaussian_conditional.scale_table');
  return { bytes: writeSafetensors(withoutDerivableBuffers(stateDict), { fp16: true, metadata: read.metadata }), levels: levels ?? (stored && stored.data.length !== DEFAULT_SCALE_LEVELS ? stored.data.length : undefined) };
}

function shipRun(dir: string, levels?: number): void {
  const st = readdirSync(dir).find((f) => f.endsWith('.safetensors'));
  if (!st) throw new Error(`${dir}: no .safetensors`);
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, st.replace(/\.safetensors$/, '.json')), 'utf8')));
  const { bytes, levels: stored } = shippedBytes(join(dir, st), levels);
  // <arch>-<metric>-q<Q>[-variant].safetensors → <arch>-q<Q>[-variant] (e.g. -advtrain)
  const variant = /-q\d+(-[A-Za-z0-9_]+)?\.safetensors$/.exec(st)?.[1] ?? '';
  const stem = `${manifest.arch}-q${manifest.quality}${variant}`;
  const shipped = { ...manifest, sha256: sha256Bytes(bytes), storage: 'float16', trainedSha256: manifest.sha256, ...(stored ? { scaleTableLevels: stored } : {}) };
  writeAtomic(join(out, `${stem}.safetensors`), bytes);
  writeAtomic(join(out, `${stem}.json`), JSON.stringify(shipped, null, 2) + '\n');
  console.log(`${stem}: ${(bytes.length / 1e6).toFixed(2)} MB`);
}

/**
 * Rewrites a shipped file without its derivable buffers (tensors otherwise byte-identical), with
 * a `levels`-entry scale table if given.
 */
function reStoreShipped(file: string, levels?: number): void {
  const path = join(out, file);
  const { bytes, levels: stored } = shippedBytes(path, levels);
  const mPath = path.replace(/\.safetensors$/, '.json');
  const manifest = JSON.parse(readFileSync(mPath, 'utf8')) as Record<string, unknown>;
  writeAtomic(path, bytes);
  writeAtomic(mPath, JSON.stringify({ ...manifest, sha256: sha256Bytes(bytes), ...(stored ? { scaleTableLevels: stored } : {}) }, null, 2) + '\n');
  console.log(`${file}: ${(bytes.length / 1e6).toFixed(2)} MB${stored ? `, ${stored}-entry scale table` : ''}`);
}

/**
 * Replaces every tensor of a shipped file that a freshly built model of the same architecture
 * holds as an fp16-unsafe constant (a bound or pedestal: see fitsFloat16) by that constant, and
 * re-stores the file (those tensors now float32). Learned tensors are untouched.
 */
function restoreConstants(file: string): void {
  const path = join(out, file);
  const mPath = path.replace(/\.safetensors$/, '.json');
  const raw = JSON.parse(readFileSync(mPath, 'utf8')) as Record<string, unknown>;
  const manifest = ManifestSchema.parse(raw);
  const { stateDict, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
  const fresh = createModel({ arch: manifest.arch, N: manifest.N, M: manifest.M });
  const restored: string[] = [];
  for (const [key, t] of fresh.stateDict()) {
    const stored = stateDict.get(key);
    if (!stored || t.dtype !== 'float32' || fitsFloat16(t.data)) continue;
    if (stored.data.length !== t.data.length) throw new Error(`${file}: ${key} has ${stored.data.length} values, the architecture ${t.data.length}`);
    if (stored.data.every((v, i) => v === t.data[i])) continue;
    stateDict.set(key, { shape: [...t.shape], dtype: 'float32', data: Float32Array.from(t.data) });
    restored.push(key);
  }
  fresh.dispose();
  const bytes = writeSafetensors(stateDict, { fp16: true, metadata });
  writeAtomic(path, bytes);
  writeAtomic(mPath, JSON.stringify({ ...raw, sha256: sha256Bytes(bytes) }, null, 2) + '\n');
  console.log(`${file}: restored ${restored.length} constant(s)${restored.length ? ` (${restored.join(', ')})` : ''}`);
}

/** Writes the Kodak numbers an `advlic rd` result (rd.json) measured into the matching shipped manifests. */
function kodakFrom(rdJson: string): void {
  const rd = JSON.parse(readFileSync(rdJson, 'utf8')) as { images: string[]; points: Array<{ spec: string; bpp: number; psnr: number | null; msSsim: number | null; weightsSha256?: string }> };
  const n = rd.images.length;
  const firstN = Array.from({ length: n }, (_, i) => `kodim${String(i + 1).padStart(2, '0')}.png`);
  if (rd.images.some((f, i) => f !== firstN[i])) throw new Error(`${rdJson}: not measured on the first ${n} Kodak images (${rd.images.slice(0, 3).join(', ')}…)`);
  const shipped = listShippedModels({ weightsDir: out });
  for (const p of rd.points) {
    if (!p.weightsSha256) continue;
    // A shipped name (arch@q[:variant]) names its file; a weights path is matched by hash alone.
    const named = shipped.filter((s) => s.name === p.spec);
    const hit = (named.length ? named : shipped).find((s) => s.manifest.sha256 === p.weightsSha256);
    if (!hit) { console.log(`${p.spec}: measured weights are not a shipped file (sha256 ${p.weightsSha256.slice(0, 12)}…), skipped`); continue; }
    if (p.psnr === null) throw new Error(`${rdJson}: ${p.spec} has no PSNR`);
    const mPath = hit.file.replace(/\.safetensors$/, '.json');
    const manifest = JSON.parse(readFileSync(mPath, 'utf8')) as Record<string, unknown>;
    const kodak = { psnr: p.psnr, bpp: p.bpp, ...(p.msSsim !== null ? { msssim: p.msSsim } : {}), images: n };
    writeAtomic(mPath, JSON.stringify({ ...manifest, kodak }, null, 2) + '\n');
    console.log(`${basename(mPath)}: Kodak (${n} image${n > 1 ? 's' : ''}) ${p.psnr.toFixed(2)} dB, ${p.bpp.toFixed(4)} bpp`);
  }
}

let levels: number | undefined;
const li = args.indexOf('--scale-levels');
if (li >= 0) {
  levels = Number(args[li + 1]);
  if (!isScaleLevels(levels)) throw new Error(`--scale-levels needs an integer 2..${MAX_SCALE_LEVELS}, got ${args[li + 1]}`);
  args.splice(li, 2);
}
if (args[0] === '--kodak-from') {
  if (!args[1]) throw new Error('--kodak-from needs the rd.json of an `advlic rd` run');
  kodakFrom(args[1]);
}
else if (args[0] === '--slim') readdirSync(out).filter((f) => f.endsWith('.safetensors')).forEach((f) => reStoreShipped(f));
else if (args[0] === '--shipped') args.slice(1).forEach((stem) => reStoreShipped(`${stem}.safetensors`, levels));
else if (args[0] === '--restore-constants') {
  await initEngine({ engine: 'cpu' });
  readdirSync(out).filter((f) => f.endsWith('.safetensors')).forEach(restoreConstants);
} else args.forEach((dir) => shipRun(dir, levels));
