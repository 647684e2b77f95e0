/**
 * Recycles Float32Arrays used as ORT output buffers. Fresh large arrays page-fault on first
 * write (the prototype measured a 1.7x slower attack step without this pool).
 *
 * An array is recycled only when no tensor data entry uses its memory any more (`users` counts them,
 * since cpu kernels may wrap an existing array in a new tensor) and it never escaped to user
 * code through dataSync()/data() (`escape`), which return the backing array itself.
 */
const free = new Map<number, Float32Array[]>();
/**
 * Users are counted per underlying ArrayBuffer, not per array object: cpu kernels (e.g. a
 * contiguous Slice) return subarray views that share an ORT output's memory, and recycling the
 * memory while such a view is alive would let the next kernel overwrite it.
 */
const users = new WeakMap<ArrayBufferLike, number>();
/** The full pooled array that owns each buffer (what goes back to the free list). */
const owners = new WeakMap<ArrayBufferLike, Float32Array>();
let pooledBytes = 0;
/** Upper bound on idle pooled memory; beyond it released arrays go to the GC. */
const MAX_POOLED_BYTES = 1 << 30;

export function takeBuffer(length: number): Float32Array {
  const list = free.get(length);
  const hit = list?.pop();
  if (hit) {
    pooledBytes -= hit.byteLength;
    users.set(hit.buffer, 0);
    return hit;
  }
  const a = new Float32Array(length);
  users.set(a.buffer, 0);
  owners.set(a.buffer, a);
  return a;
}

/** A tensor data entry now holds `a` (a pooled array or a view on one). */
export function retainBuffer(a: unknown): void {
  if (!(a instanceof Float32Array)) return;
  const n = users.get(a.buffer);
  if (n !== undefined) users.set(a.buffer, n + 1);
}

/** A tensor data entry holding `a` was deleted; recycle the memory when it was the last user. */
export function releaseBuffer(a: unknown): void {
  if (!(a instanceof Float32Array)) return;
  const n = users.get(a.buffer);
  if (n === undefined) return;
  if (n > 1) {
    users.set(a.buffer, n - 1);
    return;
  }
  users.delete(a.buffer);
  const owner = owners.get(a.buffer);
  if (!owner || pooledBytes + owner.byteLength > MAX_POOLED_BYTES) return;
  let list = free.get(owner.length);
  if (!list) free.set(owner.length, (list = []));
  list.push(owner);
  pooledBytes += owner.byteLength;
}

/** User code got a reference to `a` (or a view on its memory): never recycle it. */
export function escapeBuffer(a: unknown): void {
  if (a instanceof Float32Array) users.delete(a.buffer);
}

export function poolStats(): { pooledBytes: number } {
  return { pooledBytes };
}
