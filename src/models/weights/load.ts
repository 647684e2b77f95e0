/**
 * One entry point for weights on disk: PyTorch checkpoints (.pth, .pth.tar, .tar) are read and
 * normalized to CompressAI's current keys; safetensors files come with their JSON manifest
 * (`<file>.json` or `<stem>.json`), validated and checked against the file's sha256.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { WeightsFormatError } from '../../errors.js';
import { ManifestSchema, type WeightsManifest } from './manifest.js';
import { normalizeStateDict } from './normalize.js';
import { readPth } from './pth.js';
import { readSafetensors } from './safetensors.js';
import type { StateDict } from './types.js';

export interface LoadedWeights {
  stateDict: StateDict;
  format: 'pth' | 'safetensors';
  /** Hex sha256 of the weights file. */
  sha256: string;
  manifest?: WeightsManifest;
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Where a safetensors file's manifest lives, if anywhere. */
export function manifestPathFor(path: string): string | undefined {
  const candidates = [`${path}.json`, path.replace(/\.safetensors$/, '.json')];
  return candidates.find((p) => p !== path && existsSync(p));
}

export async function readManifest(path: string): Promise<WeightsManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new WeightsFormatError(`manifest ${path} is not valid JSON (${(e as Error).message})`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new WeightsFormatError(`manifest ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export async function loadWeightsFile(path: string): Promise<LoadedWeights> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new WeightsFormatError(`cannot read weights file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const sha256 = sha256Bytes(bytes);
  const lower = path.toLowerCase();
  if (lower.endsWith('.safetensors')) {
    const { stateDict } = readSafetensors(bytes);
    const mPath = manifestPathFor(path);
    if (!mPath) return { stateDict, format: 'safetensors', sha256 };
    const manifest = await readManifest(mPath);
    if (manifest.sha256 !== sha256) {
      throw new WeightsFormatError(`${path} has sha256 ${sha256.slice(0, 16)}… but its manifest ${mPath} says ${manifest.sha256.slice(0, 16)}…`);
    }
    return { stateDict, format: 'safetensors', sha256, manifest };
  }
  if (lower.endsWith('.pth') || lower.endsWith('.pth.tar') || lower.endsWith('.tar') || lower.endsWith('.pt')) {
    return { stateDict: normalizeStateDict(readPth(bytes)), format: 'pth', sha256 };
  }
  throw new WeightsFormatError(`unknown weights file type: ${path} (expected .pth, .pth.tar, .tar, .pt or .safetensors)`);
}
