import type { CdfTables } from '../../entropy/rans.js';
import { CodecError, WeightsMismatchError } from '../../errors.js';
import type { ParamStore, StateTensor } from '../param-store.js';

/**
 * The `_offset`, `_quantized_cdf`, `_cdf_length` buffers of a CompressAI entropy model: empty
 * until update() (or a checkpoint) fills them. Rows are kept padded as CompressAI stores them.
 */
export class CdfBuffers {
  private offsets: Int32Array = new Int32Array(0);
  private lengths: Int32Array = new Int32Array(0);
  private rows: Int32Array[] = [];
  private width = 0;

  get ready(): boolean {
    return this.offsets.length > 0;
  }

  register(store: ParamStore, prefix: string): void {
    store.addBuffer(`${prefix}._offset`, {
      get: () => ({ shape: [this.offsets.length], dtype: 'int32', data: this.offsets.slice() }),
      set: (t) => (this.offsets = toInt32(t, `${prefix}._offset`)),
      flexible: true,
      optional: true,
    });
    store.addBuffer(`${prefix}._cdf_length`, {
      get: () => ({ shape: [this.lengths.length], dtype: 'int32', data: this.lengths.slice() }),
      set: (t) => (this.lengths = toInt32(t, `${prefix}._cdf_length`)),
      flexible: true,
      optional: true,
    });
    store.addBuffer(`${prefix}._quantized_cdf`, {
      get: () => {
        const data = new Int32Array(this.rows.length * this.width);
        this.rows.forEach((r, i) => data.set(r.subarray(0, this.width), i * this.width));
        return { shape: this.rows.length ? [this.rows.length, this.width] : [0], dtype: 'int32', data };
      },
      set: (t) => {
        const data = toInt32(t, `${prefix}._quantized_cdf`);
        if (data.length === 0) {
          this.rows = [];
          this.width = 0;
          return;
        }
        if (t.shape.length !== 2) throw new WeightsMismatchError(`${prefix}._quantized_cdf must be 2-D, got [${t.shape}]`);
        const [n, w] = t.shape as [number, number];
        this.width = w;
        this.rows = Array.from({ length: n }, (_, i) => data.slice(i * w, (i + 1) * w));
      },
      flexible: true,
      optional: true,
    });
  }

  set(t: { cdfs: Int32Array[]; cdfLengths: Int32Array; offsets: Int32Array }): void {
    this.width = t.cdfs.reduce((m, r) => Math.max(m, r.length), 0);
    this.rows = t.cdfs.map((r) => {
      const row = new Int32Array(this.width);
      row.set(r);
      return row;
    });
    this.lengths = t.cdfLengths.slice();
    this.offsets = t.offsets.slice();
  }

  /** Forgets the tables (their scale table changed): update() must rebuild them. */
  clear(): void {
    this.set({ cdfs: [], cdfLengths: new Int32Array(0), offsets: new Int32Array(0) });
  }

  /** Tables for the rANS coder; refuses to code before update() as CompressAI does. */
  tables(what: string): CdfTables {
    if (!this.ready || this.rows.length !== this.offsets.length || this.lengths.length !== this.offsets.length)
      throw new CodecError(`${what}: entropy tables are not initialised (run update() first, or load a checkpoint with CDF buffers)`);
    return { cdfs: this.rows, cdfLengths: this.lengths, offsets: this.offsets };
  }
}

function toInt32(t: StateTensor, key: string): Int32Array {
  if (t.dtype === 'int32') return Int32Array.from(t.data);
  const out = Int32Array.from(t.data);
  if (!out.every((v, i) => v === t.data[i])) throw new WeightsMismatchError(`${key} must hold integers`);
  return out;
}
