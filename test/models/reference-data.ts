import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/engine/index.js';
import { readPth } from '../../src/models/weights/pth.js';
import type { StateDictMap } from '../../src/models/param-store.js';
import { SHARED_DIR } from '../../src/shared-data.js';

export const REF_DIR = `${SHARED_DIR}/reference/compressai`;

interface RefTensor { file: string; shape: number[]; bits?: number }
export interface RefModel {
  arch: string;
  N: number;
  M: number;
  weights: string;
  forward: {
    x_hat: RefTensor;
    likelihoods: Record<string, RefTensor>;
    total_bits: number;
    intermediates: Record<string, RefTensor>;
  };
  gradients: Record<string, RefTensor & { loss: number }>;
  compress: { shape: number[]; string_files: string[][]; decompress_x_hat: RefTensor; decompress_y_hat: RefTensor };
  variants?: Record<string, { file: string }>;
}

export function referenceIndex(): { models: Record<string, RefModel> } {
  // Python's json writes Infinity / NaN, which JSON.parse refuses.
  const text = readFileSync(join(REF_DIR, 'reference.json'), 'utf8').replace(/(:\s*)(-?Infinity|NaN)\b/g, '$1null');
  return JSON.parse(text);
}

export function readF32(file: string): Float32Array {
  const b = readFileSync(join(REF_DIR, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function readBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(REF_DIR, file)));
}

/** An NCHW reference tensor as NHWC. */
export function refNhwc(t: RefTensor): tf.Tensor4D {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(readF32(t.file), [n, c, h, w]), [0, 2, 3, 1]));
}

export function loadRefWeights(file: string): StateDictMap {
  return readPth(readBytes(file));
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** ‖a − b‖ / ‖b‖. */
export function relL2(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]! / tf.norm(b).dataSync()[0]!);
}
