/** Builds small PyTorch-style pickles by hand, for reader tests (test helper). */
const enc = new TextEncoder();

export class PickleBuilder {
  private parts: number[] = [0x80, 2];
  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  private u32(n: number): number[] {
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
  }
  str(s: string): this {
    const b = enc.encode(s);
    return b.length < 256 ? this.op(0x8c, b.length, ...b) : this.op(0x58, ...this.u32(b.length), ...b);
  }
  int(n: number): this {
    return n >= 0 && n < 256 ? this.op(0x4b, n) : this.op(0x4a, ...this.u32(n >>> 0));
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...enc.encode(`${module}\n${name}\n`));
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  ints(xs: number[]): this {
    this.mark();
    for (const x of xs) this.int(x);
    return this.tuple();
  }
  /** _rebuild_tensor_v2(('storage', <type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict()) */
  tensor(storageType: string, key: string, numel: number, offset: number, size: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', storageType).str(key).str('cpu').int(numel).tuple().op(0x51);
    this.int(offset).ints(size).ints(stride).op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52);
    return this.tuple().op(0x52);
  }
  bytes(): Uint8Array {
    return Uint8Array.from([...this.parts, 0x2e]);
  }
}
