/**
 * A small pickle reader for the subset PyTorch checkpoints use (protocols 2–4): containers,
 * numbers, strings, globals, REDUCE/BUILD/NEWOBJ and persistent ids. Callables are not run: the
 * caller supplies `reduce` to turn known globals (OrderedDict, _rebuild_tensor_v2, ...) into
 * values; anything else becomes an inert PickleObject.
 */
import { WeightsFormatError } from '../../errors.js';

export interface PickleGlobal {
  kind: 'global';
  module: string;
  name: string;
}
/** An object built from a callable the reader does not know (kept for inspection). */
export interface PickleObject {
  kind: 'object';
  callable: PickleValue;
  args: PickleValue[];
  state?: PickleValue;
}
export type PickleDict = Map<string | number, PickleValue>;
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleDict
  | PickleGlobal
  | PickleObject
  | { kind: string; [k: string]: unknown };

export interface PickleHooks {
  /** Resolves a persistent id (BINPERSID), e.g. a torch storage reference. */
  persistentLoad(pid: PickleValue): PickleValue;
  /** Applies a global callable to its arguments; return undefined to keep a PickleObject. */
  reduce(fn: PickleGlobal, args: PickleValue[]): PickleValue | undefined;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

function fail(msg: string): never {
  throw new WeightsFormatError(`checkpoint pickle: ${msg}`);
}

function isGlobal(v: unknown): v is PickleGlobal {
  return typeof v === 'object' && v !== null && (v as PickleGlobal).kind === 'global';
}

/** Parses one pickle starting at `offset`; returns the value and the offset after STOP. */
export function readPickle(bytes: Uint8Array, offset: number, hooks: PickleHooks): { value: PickleValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8');
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let p = offset;

  const need = (n: number): number => {
    if (p + n > bytes.length) fail('truncated data');
    const at = p;
    p += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const v = view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
    if (!Number.isSafeInteger(v)) fail('length too large');
    return v;
  };
  const raw = (n: number): Uint8Array => bytes.subarray(need(n), p);
  const line = (): string => {
    const nl = bytes.indexOf(10, p);
    if (nl < 0) fail('truncated text line');
    const s = dec.decode(bytes.subarray(p, nl));
    p = nl + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail('stack underflow');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('missing MARK');
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const littleLong = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (dict: PickleValue, items: PickleValue[]): void => {
    if (!(dict instanceof Map)) fail('SETITEM on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2) {
      const k = items[i];
      if (typeof k !== 'string' && typeof k !== 'number') fail('unsupported dict key type');
      dict.set(k, items[i + 1]!);
    }
  };
  const call = (fn: PickleValue, args: PickleValue[]): PickleValue => {
    if (isGlobal(fn)) {
      const r = hooks.reduce(fn, args);
      if (r !== undefined) return r;
    }
    return { kind: 'object', callable: fn, args };
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: need(8); break; // FRAME
      case 0x2e: return { value: pop(), end: p }; // STOP
      case 0x28: stack.push(MARK); break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x63: { const module = line(); const name = line(); stack.push({ kind: 'global', module, name }); break; }
      case 0x93: { const name = pop(); const module = pop(); stack.push({ kind: 'global', module: String(module), name: String(name) }); break; }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) fail(`memo key ${k} missing`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break;
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l)) fail('APPEND on a non-list'); l.push(v); break; }
      case 0x65: { const items = popMark(); const l = top(); if (!Array.isArray(l)) fail('APPENDS on a non-list'); l.push(...items); break; }
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { const d: PickleDict = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x8f: stack.push([]); break; // EMPTY_SET (as a list)
      case 0x90: { const items = popMark(); const s = top(); if (Array.isArray(s)) s.push(...items); break; } // ADDITEMS
      case 0x91: stack.push(popMark()); break; // FROZENSET
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, Array.isArray(args) ? args : [args])); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, Array.isArray(args) ? args : [args])); break; } // NEWOBJ
      case 0x62: { // BUILD: OrderedDict _metadata and similar states are dropped; objects keep theirs
        const state = pop();
        const obj = top();
        if (typeof obj === 'object' && obj !== null && (obj as PickleObject).kind === 'object') (obj as PickleObject).state = state;
        break;
      }
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(hooks.persistentLoad(line())); break; // PERSID
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(littleLong(raw(u8()))); break; // LONG1
      case 0x8b: stack.push(littleLong(raw(u32()))); break; // LONG4
      case 0x49: { // INT (text; "00"/"01" are booleans)
        const s = line();
        stack.push(s === '00' ? false : s === '01' ? true : Number(s));
        break;
      }
      case 0x4c: stack.push(Number(line().replace(/L$/, ''))); break; // LONG (text)
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x46: stack.push(Number(line())); break; // FLOAT (text)
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x58: stack.push(dec.decode(raw(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(dec.decode(raw(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(dec.decode(raw(u64()))); break; // BINUNICODE8
      case 0x54: stack.push(new TextDecoder('latin1').decode(raw(u32()))); break; // BINSTRING
      case 0x55: stack.push(new TextDecoder('latin1').decode(raw(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(raw(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(raw(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(raw(u64()).slice()); break; // BINBYTES8
      default:
        fail(`unsupported opcode 0x${op.toString(16)} at byte ${p - 1}`);
    }
  }
}
