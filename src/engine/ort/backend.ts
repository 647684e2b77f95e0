import type { BackendValues, DataId, DataType } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { escapeBuffer, releaseBuffer, retainBuffer } from './pool.js';

/**
 * The 'ort' backend: the cpu backend's storage and kernels, plus pooled output arrays for the
 * ONNX Runtime kernels registered in register.ts.
 */
export class OrtBackend extends MathBackendCPU {
  /** Pooled arrays attached to a tensor's data (attachData), released with it. */
  private readonly attached = new WeakMap<DataId, Float32Array>();

  constructor() {
    super();
    // The cpu backend prints a "use tfjs-node" banner on first write; we are the fast path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    retainBuffer(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    retainBuffer(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): BackendValues {
    if (this.data.has(dataId)) escapeBuffer(this.data.get(dataId).values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const had = this.data.has(dataId);
    const deleted = super.disposeData(dataId, force);
    if (had && deleted && !this.data.has(dataId)) {
      releaseBuffer(values);
      const extra = this.attached.get(dataId);
      if (extra) {
        this.attached.delete(dataId);
        releaseBuffer(extra);
      }
    }
    return deleted;
  }

  /**
   * Attaches a pooled array (from takeBuffer) to a tensor's data: it lives until that data is
   * disposed (every tensor sharing the dataId), then goes back to the pool. For values a
   * kernel's gradient needs that are not a tensor of their own (GDN's factor: as a second
   * kernel output it would get a zero-filled dy of its full size in every backprop).
   */
  attachData(dataId: DataId, values: Float32Array): void {
    const old = this.attached.get(dataId);
    if (old) releaseBuffer(old);
    this.attached.set(dataId, values);
  }

  attachedData(dataId: DataId): Float32Array | undefined {
    return this.attached.get(dataId);
  }
}

/** Float32 view of a tensor's values; the cpu backend may back 'float32' by Int32Array. */
export function f32Values(backend: MathBackendCPU, dataId: DataId): Float32Array {
  const v = backend.data.get(dataId).values;
  if (v instanceof Float32Array) return v;
  return Float32Array.from(v as ArrayLike<number>);
}
