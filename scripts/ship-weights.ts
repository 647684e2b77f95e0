/**
 * Copies trained runs into weights/ under their shipped names (<arch>-q<Q>.safetensors + .json),
 * stored as float16 (integer CDF buffers stay int32) to keep the package small. The manifest
 * keeps the training record; its sha256 is updated to the fp16 file, and its Kodak numbers are
 * re-measured afterwards by `advlic rd` (scripts/update-manifests.ts), since fp16 storage moves
 * them slightly.
 *   node --import tsx scripts/ship-weights.ts RUN_DIR [RUN_DIR...]
 */
import { readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../src/models/weights/safetensors.js';
import { sha256Bytes } from '../src/models/weights/load.js';
import { ManifestSchema } from '../src/models/weights/manifest.js';
import { PACKAGE_ROOT } from '../src/version.js';

const out = join(PACKAGE_ROOT, 'weights');
for (const dir of process.argv.slice(2)) {
  const st = readdirSync(dir).find((f) => f.endsWith('.safetensors'));
  if (!st) throw new Error(`${dir}: no .safetensors`);
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, st.replace(/\.safetensors$/, '.json')), 'utf8')));
  const { stateDict, metadata } = readSafetensors(new Uint8Array(readFileSync(join(dir, st))));
  const bytes = writeSafetensors(stateDict, { fp16: true, metadata });
  // <arch>-<metric>-q<Q>[-variant].safetensors → <arch>-q<Q>[-variant] (e.g. -advtrain)
  const variant = /-q\d+(-[A-Za-z0-9_]+)?\.safetensors$/.exec(st)?.[1] ?? '';
  const stem = `${manifest.arch}-q${manifest.quality}${variant}`;
  const shipped = { ...manifest, sha256: sha256Bytes(bytes), storage: 'float16', trainedSha256: manifest.sha256 };
  writeFileSync(join(out, `${stem}.safetensors.tmp`), bytes);
  renameSync(join(out, `${stem}.safetensors.tmp`), join(out, `${stem}.safetensors`));
  writeFileSync(join(out, `${stem}.json`), JSON.stringify(shipped, null, 2) + '\n');
  console.log(`${stem}: ${(bytes.length / 1e6).toFixed(2)} MB`);
}
