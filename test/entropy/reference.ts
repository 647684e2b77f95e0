/** Shared loaders for the CompressAI reference files (test helper). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdfTablesFromBuffers } from '../../src/entropy/cdf.js';
import type { CdfTables } from '../../src/entropy/rans.js';
import { normalizeStateDict } from '../../src/models/weights/normalize.js';
import { readPth } from '../../src/models/weights/pth.js';
import type { StateDict } from '../../src/models/weights/types.js';
import { SHARED_DIR } from '../../src/shared-data.js';

export const REF_DIR = `${SHARED_DIR}/reference/compressai`;

export interface ReferenceJson {
  models: Record<string, {
    weights: string;
    weights_sha256: string;
    state_dict: [string, number[], string][];
    compress: {
      string_files: string[][];
      coder_calls: { table: string; string: [number, number]; count: number; symbols_file: string; indexes_file: string }[];
    };
    variants?: Record<string, { file: string }>;
  }>;
  coder_tests: Record<string, {
    tables_from: { weights: string; prefix: string };
    count: number; symbols_file: string; indexes_file: string; string_file: string; bypass_coded_symbols: number;
  }>;
}

/** reference.json uses Python's Infinity/NaN literals: quote them before JSON.parse. */
export const reference = (): ReferenceJson =>
  JSON.parse(
    readFileSync(join(REF_DIR, 'reference.json'), 'utf8').replace(/:\s*(-?Infinity|NaN)\b/g, ': "$1"'),
  ) as ReferenceJson;

export const readI32 = (file: string): Int32Array => {
  const b = readFileSync(join(REF_DIR, file));
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

export const readBytes = (file: string): Uint8Array => new Uint8Array(readFileSync(join(REF_DIR, file)));

const cache = new Map<string, StateDict>();
export function checkpoint(weights: string): StateDict {
  let sd = cache.get(weights);
  if (!sd) {
    sd = normalizeStateDict(readPth(readBytes(weights)));
    cache.set(weights, sd);
  }
  return sd;
}

/** The CDF tables stored under `prefix` (entropy_bottleneck / gaussian_conditional). */
export function tablesFrom(weights: string, prefix: string): CdfTables {
  const sd = checkpoint(weights);
  return cdfTablesFromBuffers(
    sd.get(`${prefix}._quantized_cdf`)!,
    sd.get(`${prefix}._cdf_length`)!.data,
    sd.get(`${prefix}._offset`)!.data,
  );
}
