import { createRequire } from 'node:module';
import os from 'node:os';
import { takeBuffer } from './pool.js';
import { SENTINEL_OUTPUT, type GraphBuilder } from './onnx.js';
import { thresholds } from './thresholds.js';

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
let copiesSkipped = 0;

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

/**
 * ADVLIC_ORT_PROFILE=<dir>: every session records ORT's per-node profile; endOrtProfiling()
 * writes the JSON files there (bench/ort-nodes.ts sums them per node type).
 */
const profileDir = process.env.ADVLIC_ORT_PROFILE;

/** Writes the profiles of all sessions (ADVLIC_ORT_PROFILE set); returns how many. */
export function endOrtProfiling(): number {
  if (!profileDir) return 0;
  for (const s of sessions.values()) (s as NativeSession & { endProfiling(): void }).endProfiling();
  return sessions.size;
}

/**
 * The session of a graph; `outputBytes`, the size of the run's outputs, decides whether its
 * graph gets the sentinel output (runSession): below thresholds.sentinelBytes the binding's copy
 * costs less than the sentinel's thrown error (~0.1 ms).
 */
function sessionFor(graphKey: string, build: () => GraphBuilder, outputBytes: number): NativeSession {
  const sentinel = thresholds.skipOutputCopy && outputBytes >= thresholds.sentinelBytes;
  const key = sentinel ? `${graphKey}:sentinel` : graphKey;
  let s = sessions.get(key);
  if (s) return s;
  if (!binding) throw new Error('ORT engine used before loadOrt()');
  const bytes = build().toModel({ sentinel });
  s = new binding.InferenceSession();
  s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableCpuMemArena: false,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    ...(profileDir ? { enableProfiling: true, profileFilePrefix: `${profileDir}/s${sessions.size}` } : {}),
  });
  sessions.set(key, s);
  if (sentinel) sentinels.add(s);
  return s;
}

/** Sessions whose graph's first output is the sentinel sequence. */
const sentinels = new WeakSet<NativeSession>();

/**
 * session.run with our preallocated outputs. The binding (1.22) returns every output as a
 * fresh copy — a new zero-filled ArrayBuffer plus a memcpy, also for preallocated outputs, ~0.8
 * GB per attack step that we discard, and the external memory behind most of V8's garbage
 * collections. A sentinel first output (an empty sequence, fetched as null) makes the binding
 * throw "Non tensor type …" when it converts the results, after ORT has written our buffers and
 * before it copies any of them; that error is expected and dropped, any other is rethrown.
 */
function runSession(s: NativeSession, feeds: Record<string, unknown>, fetches: Record<string, unknown>): void {
  if (!sentinels.has(s)) {
    s.run(feeds, fetches, {});
    return;
  }
  // The expected error needs no stack trace (capturing one is most of its cost).
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    s.run(feeds, { [SENTINEL_OUTPUT]: null, ...fetches }, {});
  } catch (e) {
    if (!(e instanceof Error && e.message.startsWith('Non tensor type'))) {
      Error.stackTraceLimit = limit;
      // Rethrown with this call's stack.
      throw e instanceof Error ? new Error(e.message, { cause: e }) : e;
    }
    copiesSkipped++;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Runs whose output copies the sentinel stopped (tests check the binding still behaves so). */
export function ortCopiesSkipped(): number {
  return copiesSkipped;
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
  const session = sessionFor(key, build, 4 * outShapes.reduce((a, shape) => a + shape.reduce((p, d) => p * d, 1), 0));
  const T = TensorCtor!;
  const feeds: Record<string, unknown> = {};
  inputs.forEach((x, i) => (feeds[`in${i}`] = new T('float32', x.data, x.shape)));
  const fetches: Record<string, unknown> = {};
  const outs = outShapes.map((shape, i) => {
    const buf = takeBuffer(shape.reduce((a, b) => a * b, 1));
    fetches[`out${i}`] = new T('float32', buf, shape);
    return buf;
  });
  runSession(session, feeds, fetches);
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
  const session = sessionFor(key, build, outputs.reduce((a, o) => a + o.data.byteLength, 0));
  const T = TensorCtor!;
  const feeds: Record<string, unknown> = {};
  inputs.forEach((x, i) => (feeds[`in${i}`] = new T('float32', x.data, x.shape)));
  const fetches: Record<string, unknown> = {};
  outputs.forEach((y, i) => (fetches[`out${i}`] = new T('float32', y.data, y.shape)));
  runSession(session, feeds, fetches);
  runs++;
}

export function sessionCount(): number {
  return sessions.size;
}

/** Number of ORT graph runs so far (tests use it to prove a kernel did not fall back). */
export function ortRunCount(): number {
  return runs;
}
