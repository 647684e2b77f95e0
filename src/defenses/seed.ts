/** A 32-bit integer hash (murmur3 finaliser): decorrelates (seed, counter) pairs for per-call seeds. */
export function mixSeed(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Per-call seeds from a base seed: call n gets mixSeed(seed, n). */
export class SeedStream {
  private n = 0;
  constructor(readonly seed: number) {}
  next(): number {
    return mixSeed(this.seed, this.n++);
  }
}
