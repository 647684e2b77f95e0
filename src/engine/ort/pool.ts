/**
 * Recycles Float32Arrays used as ORT output buffers. Fresh large arrays page-fault on first
 * write (the prototype measured a 1.7x slower attack step without this pool).
 *
 * An array is recycled only when no tensor data entry uses it any more (`users` counts them,
 * since cpu kernels may wrap an existing array in a new tensor) and it never escaped to user
 * code through dataSync()/data() (`escape`), which return the backing array itself.
 */
const free = new Map<number, Float32Array[]>();
const users = new WeakMap<Float32Array, number>();
let pooledBytes = 0;
/** Upper bound on idle pooled memory; beyond it released arrays go to the GC. */
const MAX_POOLED_BYTES = 1 << 30;

export function takeBuffer(length: number): Float32Array {
  const list = free.get(length);
  const hit = list?.pop();
  if (hit) {
    pooledBytes -= hit.byteLength;
    users.set(hit, 0);
    return hit;
  }
  const a = new Float32Array(length);
  users.set(a, 0);
  return a;
}

/** A tensor data entry now holds `a`. */
export function retainBuffer(a: unknown): void {
  if (!(a instanceof Float32Array)) return;
  const n = users.get(a);
  if (n !== undefined) users.set(a, n + 1);
}

/** A tensor data entry holding `a` was deleted; recycle when it was the last. */
export function releaseBuffer(a: unknown): void {
  if (!(a instanceof Float32Array)) return;
  const n = users.get(a);
  if (n === undefined) return;
  if (n > 1) {
    users.set(a, n - 1);
    return;
  }
  users.delete(a);
  if (pooledBytes + a.byteLength > MAX_POOLED_BYTES) return;
  let list = free.get(a.length);
  if (!list) free.set(a.length, (list = []));
  list.push(a);
  pooledBytes += a.byteLength;
}

/** User code got a reference to `a`: never recycle it. */
export function escapeBuffer(a: unknown): void {
  if (a instanceof Float32Array) users.delete(a);
}

export function poolStats(): { pooledBytes: number } {
  return { pooledBytes };
}
