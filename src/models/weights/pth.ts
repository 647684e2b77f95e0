/**
 * Reads PyTorch checkpoints without Python: the zip format (torch >= 1.6: `<stem>/data.pkl` +
 * `<stem>/data/<key>`) and the legacy stream format (magic, protocol, sys_info, object, storage
 * keys, raw storages). Tensors become float32/int32 TensorData honouring offset and strides.
 */
import { unzipSync } from 'fflate';
import { WeightsFormatError } from '../../errors.js';
import { halfToFloat } from './half.js';
import { readPickle, type PickleGlobal, type PickleHooks, type PickleValue } from './pickle.js';
import { unwrapCheckpoint } from './normalize.js';
import { isTensorData, numelOf, type StateDict, type TensorData } from './types.js';

type StorageKind = 'f32' | 'f64' | 'f16' | 'bf16' | 'i32' | 'i64' | 'i16' | 'i8' | 'u8' | 'bool';
const STORAGE_KINDS: Record<string, [StorageKind, number]> = {
  FloatStorage: ['f32', 4],
  DoubleStorage: ['f64', 8],
  HalfStorage: ['f16', 2],
  BFloat16Storage: ['bf16', 2],
  IntStorage: ['i32', 4],
  LongStorage: ['i64', 8],
  ShortStorage: ['i16', 2],
  CharStorage: ['i8', 1],
  ByteStorage: ['u8', 1],
  BoolStorage: ['bool', 1],
};

interface StorageRef {
  kind: 'storage';
  type: StorageKind;
  itemSize: number;
  key: string;
  numel: number;
  /** Element offset of a legacy storage view into its root storage. */
  viewOffset: number;
}
interface PendingTensor {
  kind: 'pending-tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function fail(msg: string): never {
  throw new WeightsFormatError(`checkpoint: ${msg}`);
}

function intList(v: PickleValue, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) fail(`bad ${what}`);
  return v as number[];
}

function storageRef(pid: PickleValue): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) fail('unsupported persistent id');
  const cls = pid[1] as PickleGlobal;
  const kind = STORAGE_KINDS[cls?.name ?? ''];
  if (!kind) fail(`unsupported storage type ${String(cls?.name)}`);
  const numel = pid[4];
  if (typeof numel !== 'number') fail('bad storage size');
  let key = String(pid[2]);
  let viewOffset = 0;
  const view = pid[5];
  if (Array.isArray(view) && view.length === 3) {
    key = String(view[0]);
    viewOffset = Number(view[1]);
  }
  return { kind: 'storage', type: kind[0], itemSize: kind[1], key, numel, viewOffset };
}

const hooks: PickleHooks = {
  persistentLoad: (pid) => storageRef(pid) as unknown as PickleValue,
  reduce(fn, args) {
    const name = `${fn.module}.${fn.name}`;
    if (name === 'collections.OrderedDict') {
      const m = new Map<string | number, PickleValue>();
      const pairs = args[0];
      if (Array.isArray(pairs)) for (const kv of pairs) if (Array.isArray(kv)) m.set(kv[0] as string, kv[1]!);
      return m;
    }
    if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor') {
      const storage = args[0] as unknown as StorageRef;
      if (storage?.kind !== 'storage') fail('tensor without storage');
      const t: PendingTensor = {
        kind: 'pending-tensor',
        storage,
        offset: Number(args[1]),
        size: intList(args[2]!, 'tensor size'),
        stride: intList(args[3]!, 'tensor stride'),
      };
      return t as unknown as PickleValue;
    }
    if (name === 'torch._utils._rebuild_parameter' || name === 'torch._utils._rebuild_parameter_with_state') return args[0];
    return undefined;
  },
};

function readElement(view: DataView, type: StorageKind, at: number): number {
  switch (type) {
    case 'f32': return view.getFloat32(at, true);
    case 'f64': return view.getFloat64(at, true);
    case 'f16': return halfToFloat(view.getUint16(at, true));
    case 'bf16': return new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0]!;
    case 'i32': return view.getInt32(at, true);
    case 'i64': return Number(view.getBigInt64(at, true));
    case 'i16': return view.getInt16(at, true);
    case 'i8': return view.getInt8(at);
    case 'u8': case 'bool': return view.getUint8(at);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d]! !== 1 && stride[d] !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}

function materialize(t: PendingTensor, bytes: Uint8Array): TensorData {
  const s = t.storage;
  if (bytes.length < s.numel * s.itemSize) fail(`storage ${s.key} is truncated`);
  const isFloat = s.type === 'f32' || s.type === 'f64' || s.type === 'f16' || s.type === 'bf16';
  const n = numelOf(t.size);
  const start = (s.viewOffset + t.offset) * s.itemSize;
  if ((s.type === 'f32' || s.type === 'i32') && isContiguous(t.size, t.stride) && LITTLE_ENDIAN) {
    if (start < 0 || start + n * 4 > bytes.length) fail(`tensor reaches outside storage ${s.key}`);
    const copy = bytes.slice(start, start + n * 4).buffer;
    return { shape: t.size.slice(), dtype: isFloat ? 'float32' : 'int32', data: isFloat ? new Float32Array(copy) : new Int32Array(copy) };
  }
  const data = isFloat ? new Float32Array(n) : new Int32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rank = t.size.length;
  const idx = new Array<number>(rank).fill(0);
  let elem = s.viewOffset + t.offset;
  for (let i = 0; i < n; i++) {
    const at = elem * s.itemSize;
    if (at < 0 || at + s.itemSize > bytes.length) fail(`tensor reaches outside storage ${s.key}`);
    data[i] = readElement(view, s.type, at);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      elem += t.stride[d]!;
      if (idx[d]! < t.size[d]!) break;
      elem -= t.stride[d]! * t.size[d]!;
      idx[d] = 0;
    }
  }
  return { shape: t.size.slice(), dtype: isFloat ? 'float32' : 'int32', data };
}

/** Replaces pending tensors in the tree by TensorData, fetching storages by key. */
function resolve(v: PickleValue, storage: (key: string) => Uint8Array): PickleValue {
  if (v instanceof Map) {
    for (const [k, x] of v) v.set(k, resolve(x, storage));
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => resolve(x, storage));
  if (typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'pending-tensor') {
    const t = v as unknown as PendingTensor;
    return materialize(t, storage(t.storage.key)) as unknown as PickleValue;
  }
  return v;
}

function readZip(bytes: Uint8Array): PickleValue {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    fail(`corrupt zip archive (${(e as Error).message})`);
  }
  const pkl = Object.keys(files).find((f) => f === 'data.pkl' || f.endsWith('/data.pkl'));
  if (!pkl) fail('zip archive without data.pkl: not a PyTorch checkpoint');
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const tree = readPickle(files[pkl]!, 0, hooks).value;
  return resolve(tree, (key) => files[`${prefix}data/${key}`] ?? fail(`storage ${key} missing from the archive`));
}

function readLegacy(bytes: Uint8Array): PickleValue {
  let at = 0;
  const next = (): PickleValue => {
    const r = readPickle(bytes, at, hooks);
    at = r.end;
    return r.value;
  };
  if (next() !== LEGACY_MAGIC) fail('not a PyTorch checkpoint (bad magic number)');
  next(); // protocol version
  next(); // sys_info
  const tree = next();
  const keys = next();
  if (!Array.isArray(keys)) fail('legacy storage key list missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  const itemSizes = new Map<string, number>();
  collectStorages(tree, itemSizes);
  for (const k of keys) {
    const key = String(k);
    if (at + 8 > bytes.length) fail('legacy storage section truncated');
    const numel = Number(view.getBigInt64(at, true));
    at += 8;
    const len = numel * (itemSizes.get(key) ?? fail(`storage ${key} not referenced by any tensor`));
    if (!(len >= 0) || at + len > bytes.length) fail('legacy storage section truncated');
    storages.set(key, bytes.subarray(at, at + len));
    at += len;
  }
  return resolve(tree, (key) => storages.get(key) ?? fail(`storage ${key} missing`));
}

function collectStorages(v: PickleValue, out: Map<string, number>): void {
  if (v instanceof Map) for (const x of v.values()) collectStorages(x, out);
  else if (Array.isArray(v)) for (const x of v) collectStorages(x, out);
  else if (typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'pending-tensor') {
    const s = (v as unknown as PendingTensor).storage;
    out.set(s.key, s.itemSize);
  }
}

/** The whole pickled object (nested dicts/lists with TensorData leaves). */
export function readPthObject(bytes: Uint8Array): PickleValue {
  if (bytes.length < 4) fail(`file of ${bytes.length} bytes is too short`);
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (isZip) return readZip(bytes);
  if (bytes[0] === 0x80) return readLegacy(bytes);
  fail('neither a zip archive nor a legacy pickle stream');
}

/**
 * Reads a .pth / .pth.tar file into its state dict (tensor entries only, file order), after
 * unwrapping `state_dict` / `network` / `model_state_dict` nestings. Keys are not renamed:
 * see normalizeStateDict.
 */
export function readPth(bytes: Uint8Array): StateDict {
  const dict = unwrapCheckpoint(readPthObject(bytes));
  const sd: StateDict = new Map();
  for (const [k, v] of dict) if (isTensorData(v)) sd.set(String(k), v);
  if (sd.size === 0) fail('no tensors found in the checkpoint');
  return sd;
}
