/**
 * A small seedable PRNG (sfc32: 128-bit state, passes PractRand to 2^40+) whose whole state
 * is four uint32s, so a checkpoint can store it and a resumed run draws the same numbers.
 * Math.random is never used in training: every random choice goes through one of these.
 */
export type RngState = [number, number, number, number];

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state.map((v) => v >>> 0) as RngState;
  }

  /** A generator seeded from an integer seed and optional stream ids (e.g. a step number). */
  static fromSeed(seed: number, ...stream: number[]): Rng {
    const rng = new Rng([0x9e3779b9, mix32(seed), mix32(seed ^ 0x85ebca6b), 1]);
    for (const s of stream) rng.d = (rng.d ^ mix32(s + 0x632be5ab)) >>> 0;
    for (let i = 0; i < 15; i++) rng.nextUint32(); // warm-up: decorrelates nearby seeds
    return rng;
  }

  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || !state.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
      throw new RangeError(`Rng state must be four uint32 values, got [${state.join(',')}]`);
    }
    return new Rng(state as RngState);
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh 31-bit integer, e.g. to seed a tensor op. */
  seed31(): number {
    return this.nextUint32() >>> 1;
  }
}

/** murmur3's 32-bit finaliser: spreads the bits of a small integer over the whole word. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
