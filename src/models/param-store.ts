import { tf } from '../engine/index.js';
import { WeightsMismatchError } from '../errors.js';

/** One state-dict tensor in CompressAI layout (C order); same shape as weights/types.ts TensorData. */
export interface StateTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}
export type StateDictMap = Map<string, StateTensor>;

interface ParamEntry {
  variable: tf.Variable;
  /** Shape as CompressAI stores it (OIHW for convs). */
  torchShape: number[];
  /** Permutation from the tf layout back to the torch layout (undefined: same layout). */
  toTorch?: number[];
  aux: boolean;
}

/** A buffer: read for saving, written on load. `flexible`: any shape accepted (CDF tables). */
export interface BufferEntry {
  get(): StateTensor;
  set(t: StateTensor): void;
  flexible?: boolean;
  /** Older checkpoints may lack it; keep the current value then (or call `absent`). */
  optional?: boolean;
  /** Called when a loaded state dict lacks this optional buffer (e.g. to go back to a default). */
  absent?: () => void;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Inverse of a permutation. */
export function invertPerm(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
}

/**
 * Parameters and buffers of a model under their CompressAI state-dict keys. Layers register
 * here at construction; the model's stateDict/loadStateDict/parameters are views of it.
 */
export class ParamStore {
  private readonly params = new Map<string, ParamEntry>();
  private readonly buffers = new Map<string, BufferEntry>();

  /**
   * Registers a float32 parameter. `init` is in torch layout; `toTf` permutes torch → tf
   * layout (e.g. [2, 3, 1, 0] for OIHW → HWIO).
   */
  addParam(key: string, torchShape: number[], init: Float32Array, opts: { toTf?: number[]; aux?: boolean } = {}): tf.Variable {
    if (this.params.has(key) || this.buffers.has(key)) throw new Error(`duplicate state-dict key ${key}`);
    const variable = tf.tidy(() => {
      const t = tf.tensor(init, torchShape, 'float32');
      return tf.variable(opts.toTf ? tf.transpose(t, opts.toTf) : t, true, `${key}#${Math.random().toString(36).slice(2, 8)}`);
    });
    this.params.set(key, { variable, torchShape, toTorch: opts.toTf ? invertPerm(opts.toTf) : undefined, aux: opts.aux ?? false });
    return variable;
  }

  addBuffer(key: string, entry: BufferEntry): void {
    if (this.params.has(key) || this.buffers.has(key)) throw new Error(`duplicate state-dict key ${key}`);
    this.buffers.set(key, entry);
  }

  /** Trainable network parameters (not aux), by key. */
  parameters(): Map<string, tf.Variable> {
    return new Map([...this.params].filter(([, p]) => !p.aux).map(([k, p]) => [k, p.variable]));
  }

  /** Aux parameters (entropy-bottleneck quantiles), by key. */
  auxParameters(): Map<string, tf.Variable> {
    return new Map([...this.params].filter(([, p]) => p.aux).map(([k, p]) => [k, p.variable]));
  }

  stateDict(): StateDictMap {
    const sd: StateDictMap = new Map();
    for (const [key, p] of this.params) {
      const data = tf.tidy(() => (p.toTorch ? tf.transpose(p.variable, p.toTorch) : p.variable).dataSync() as Float32Array);
      sd.set(key, { shape: [...p.torchShape], dtype: 'float32', data: Float32Array.from(data) });
    }
    for (const [key, b] of this.buffers) sd.set(key, b.get());
    return sd;
  }

  /** Strict load: every parameter present with its shape, no unknown keys. */
  loadStateDict(sd: StateDictMap): void {
    const missing: string[] = [];
    const misshaped: string[] = [];
    const extra = [...sd.keys()].filter((k) => !this.params.has(k) && !this.buffers.has(k));
    for (const [key, p] of this.params) {
      const t = sd.get(key);
      if (!t) missing.push(key);
      else if (!sameShape(t.shape, p.torchShape) || t.dtype !== 'float32') misshaped.push(`${key} ${t.dtype}[${t.shape}] (expected float32[${p.torchShape}])`);
    }
    for (const [key, b] of this.buffers) {
      const t = sd.get(key);
      if (!t) {
        if (!b.optional) missing.push(key);
      } else if (!b.flexible) {
        const cur = b.get();
        if (!sameShape(t.shape, cur.shape) || t.dtype !== cur.dtype) misshaped.push(`${key} ${t.dtype}[${t.shape}] (expected ${cur.dtype}[${cur.shape}])`);
      }
    }
    if (missing.length || extra.length || misshaped.length) {
      const parts = [
        missing.length ? `missing ${missing.length}: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}` : '',
        extra.length ? `unexpected ${extra.length}: ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', …' : ''}` : '',
        misshaped.length ? `wrong shape ${misshaped.length}: ${misshaped.slice(0, 4).join('; ')}` : '',
      ].filter(Boolean);
      throw new WeightsMismatchError(`state dict does not fit the model: ${parts.join(' | ')}`);
    }
    for (const [key, p] of this.params) {
      const t = sd.get(key)!;
      tf.tidy(() => {
        const v = tf.tensor(Float32Array.from(t.data), t.shape, 'float32');
        p.variable.assign(p.toTorch ? tf.transpose(v, invertPerm(p.toTorch)) : v);
      });
    }
    for (const [key, b] of this.buffers) {
      const t = sd.get(key);
      if (t) b.set({ shape: [...t.shape], dtype: t.dtype, data: t.data.slice() });
      else b.absent?.();
    }
  }

  dispose(): void {
    for (const p of this.params.values()) p.variable.dispose();
    this.params.clear();
  }
}

/**
 * A strictly positive constant buffer (a likelihood lower bound, a GDN pedestal). A stored 0
 * cannot be a real value of these: it is an fp16 underflow (1e-9 and 2^-36 round to 0; weight
 * files advlic wrote before fp16-unsafe tensors were kept in float32), so the built-in value is
 * kept. A zero likelihood bound leaves clean coding unchanged but corrupts rate gradients.
 */
export function positiveConstantBuffer(get: () => number, set: (v: number) => void): BufferEntry {
  return scalarBuffer(get, (v) => {
    if (v > 0) set(v);
  });
}

/** A float32 buffer holding one constant (CompressAI's `bound`, `pedestal`, …; shape [1]). */
export function scalarBuffer(get: () => number, set: (v: number) => void): BufferEntry {
  return {
    get: () => ({ shape: [1], dtype: 'float32', data: Float32Array.of(get()) }),
    set: (t) => {
      if (numel(t.shape) !== 1) throw new WeightsMismatchError(`expected a one-element buffer, got [${t.shape}]`);
      set(t.data[0]!);
    },
    optional: true,
  };
}
