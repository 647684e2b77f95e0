/**
 * safetensors read/write (8-byte little-endian header length, JSON header with dtype / shape /
 * data_offsets per tensor, then the raw little-endian data). F16 is offered for shipping
 * smaller files; it is converted back to float32 on load.
 */
import { WeightsFormatError } from '../../errors.js';
import { floatToHalf, halfToFloat } from './half.js';
import { numelOf, type StateDict, type TensorData } from './types.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'I32';
const ITEM_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, I32: 4 };
const MAX_HEADER = 100 * 1024 * 1024;

export interface WriteSafetensorsOptions {
  /**
   * Store float tensors as F16 (int32 tensors stay I32), except those fp16 cannot hold (see
   * `fitsFloat16`), which stay F32.
   */
  fp16?: boolean;
  /** String metadata stored under "__metadata__". */
  metadata?: Record<string, string>;
}

export function writeSafetensors(sd: StateDict, options: WriteSafetensorsOptions = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata) header['__metadata__'] = options.metadata;
  let offset = 0;
  const plan: { t: TensorData; dtype: SafetensorsDtype; at: number }[] = [];
  for (const [key, t] of sd) {
    const dtype: SafetensorsDtype = t.dtype === 'int32' ? 'I32' : options.fp16 && fitsFloat16(t.data) ? 'F16' : 'F32';
    const size = t.data.length * ITEM_SIZE[dtype];
    header[key] = { dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    plan.push({ t, dtype, at: offset });
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // align the data to 8 bytes
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, head.length, true);
  out.set(head, 8);
  const base = 8 + head.length;
  for (const { t, dtype, at } of plan) {
    const p = base + at;
    for (let i = 0; i < t.data.length; i++) {
      if (dtype === 'F32') view.setFloat32(p + 4 * i, t.data[i]!, true);
      else if (dtype === 'I32') view.setInt32(p + 4 * i, t.data[i]!, true);
      else view.setUint16(p + 2 * i, floatToHalf(t.data[i]!), true);
    }
  }
  return out;
}

/**
 * Whether float16 rounding keeps a tensor's meaning: every value's error stays within half a
 * float16 ulp of the tensor's largest magnitude. This fails on overflow (|v| > 65504) and on
 * tensors whose values all sit below fp16's range — the likelihood lower bounds (1e-9) and GDN
 * pedestals (2^-36) would become 0. A zero likelihood bound leaves clean coding unchanged but
 * lets near-zero likelihoods dominate the rate gradient, which weakened attacks on the shipped
 * hyperprior until these buffers were kept in float32. Weight tensors with a few tiny entries
 * pass (their error is tiny next to their largest value).
 */
export function fitsFloat16(data: ArrayLike<number>): boolean {
  let maxAbs = 0;
  let maxErr = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(v));
    maxErr = Math.max(maxErr, Math.abs(halfToFloat(floatToHalf(v)) - v));
  }
  if (!Number.isFinite(maxErr)) return false;
  return maxErr <= maxAbs * 2 ** -11;
}

function fail(msg: string): never {
  throw new WeightsFormatError(`safetensors: ${msg}`);
}

export function readSafetensors(bytes: Uint8Array): { stateDict: StateDict; metadata: Record<string, string> } {
  if (bytes.length < 8) fail(`file of ${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
  if (headerLen > MAX_HEADER || 8 + headerLen > bytes.length) fail('header length exceeds the file (truncated or not safetensors)');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch {
    fail('header is not valid JSON');
  }
  const base = 8 + headerLen;
  const stateDict: StateDict = new Map();
  let metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(header)) {
    if (key === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const dtype = e.dtype as SafetensorsDtype;
    if (!(dtype in ITEM_SIZE)) fail(`tensor ${key} has unsupported dtype ${String(e.dtype)} (F32, F16, I32 only)`);
    if (!Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) fail(`tensor ${key} lacks shape or data_offsets`);
    const [begin, end] = e.data_offsets;
    const n = numelOf(e.shape);
    if (end - begin !== n * ITEM_SIZE[dtype] || begin < 0 || base + end > bytes.length) {
      fail(`tensor ${key} data range is inconsistent or beyond the file`);
    }
    const p = base + begin;
    let data: Float32Array | Int32Array;
    if (dtype === 'I32') {
      data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt32(p + 4 * i, true);
    } else {
      data = new Float32Array(n);
      if (dtype === 'F32') for (let i = 0; i < n; i++) data[i] = view.getFloat32(p + 4 * i, true);
      else for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(p + 2 * i, true));
    }
    stateDict.set(key, { shape: e.shape.slice(), dtype: dtype === 'I32' ? 'int32' : 'float32', data });
  }
  return { stateDict, metadata };
}
