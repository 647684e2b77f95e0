import { createRequire } from 'node:module';
import os from 'node:os';
import { takeBuffer } from './pool.js';
import type { GraphBuilder } from './onnx.js';

/** The parts of onnxruntime-node's internal native binding we use (pinned to 1.22.0). */
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, offset: number, length: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): Record<string, unknown>;
  dispose(): void;
}
interface OrtTensorCtor {
  new (type: 'float32', data: Float32Array, dims: readonly number[]): unknown;
}

let binding: { InferenceSession: new () => NativeSession } | undefined;
let TensorCtor: OrtTensorCtor | undefined;
let threads = 1;
const sessions = new Map<string, NativeSession>();
let runs = 0;

/** Loads the native binding once; throws if onnxruntime-node is unusable here. */
export function loadOrt(intraOpThreads: number): void {
  threads = Math.max(1, Math.floor(intraOpThreads));
  if (binding) return;
  const req = createRequire(import.meta.url);
  const mod = req('onnxruntime-node/dist/binding') as {
    binding: { InferenceSession: new () => NativeSession };
    initOrt(): void;
  };
  mod.initOrt();
  const common = createRequire(req.resolve('onnxruntime-node'))('onnxruntime-common') as { Tensor: OrtTensorCtor };
  binding = mod.binding;
  TensorCtor = common.Tensor;
}

export function ortLoaded(): boolean {
  return binding !== undefined;
}

export function ortThreads(): number {
  return threads;
}

export function defaultThreads(): number {
  const env = Number(process.env.ADVLIC_THREADS);
  if (Number.isFinite(env) && env >= 1) return Math.floor(env);
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function sessionFor(key: string, build: () => GraphBuilder): NativeSession {
  let s = sessions.get(key);
  if (s) return s;
  if (!binding) throw new Error('ORT engine used before loadOrt()');
  const bytes = build().toModel();
  s = new binding.InferenceSession();
  s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableCpuMemArena: false,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  sessions.set(key, s);
  return s;
}

export interface OrtInput {
  data: Float32Array;
  shape: readonly number[];
}

/**
 * Runs a cached graph synchronously. `key` must identify the graph exactly (op, attrs, shapes);
 * `build` is only called on a cache miss. Outputs are written into pooled arrays.
 */
export function runGraph(
  key: string,
  build: () => GraphBuilder,
  inputs: readonly OrtInput[],
  outShapes: ReadonlyArray<readonly number[]>,
): Float32Array[] {
  const session = sessionFor(key, build);
  const T = TensorCtor!;
  const feeds: Record<string, unknown> = {};
  inputs.forEach((x, i) => (feeds[`in${i}`] = new T('float32', x.data, x.shape)));
  const fetches: Record<string, unknown> = {};
  const outs = outShapes.map((shape, i) => {
    const buf = takeBuffer(shape.reduce((a, b) => a * b, 1));
    fetches[`out${i}`] = new T('float32', buf, shape);
    return buf;
  });
  session.run(feeds, fetches, {});
  runs++;
  return outs;
}

/**
 * Runs a cached graph synchronously, writing its outputs into the given arrays (which may be
 * views into larger buffers: a graph run on one chunk of a tensor writes its part in place).
 */
export function runGraphInto(
  key: string,
  build: () => GraphBuilder,
  inputs: readonly OrtInput[],
  outputs: readonly OrtInput[],
): void {
  const session = sessionFor(key, build);
  const T = TensorCtor!;
  const feeds: Record<string, unknown> = {};
  inputs.forEach((x, i) => (feeds[`in${i}`] = new T('float32', x.data, x.shape)));
  const fetches: Record<string, unknown> = {};
  outputs.forEach((y, i) => (fetches[`out${i}`] = new T('float32', y.data, y.shape)));
  session.run(feeds, fetches, {});
  runs++;
}

export function sessionCount(): number {
  return sessions.size;
}

/** Number of ORT graph runs so far (tests use it to prove a kernel did not fall back). */
export function ortRunCount(): number {
  return runs;
}
