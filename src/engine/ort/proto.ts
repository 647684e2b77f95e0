/**
 * Minimal protobuf writer for the ONNX messages we build in memory (ModelProto, GraphProto,
 * NodeProto, TensorProto, ValueInfoProto, AttributeProto). Field numbers follow onnx.proto.
 */

const enc = new TextEncoder();

/** Appends protobuf wire-format fields to a growable byte buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private varint(v: number | bigint): void {
    // Negative int64 values are encoded as 10-byte two's complement.
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated varints (accepted by every proto2/proto3 parser). */
  packedInts(field: number, vs: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, vs: readonly number[]): this {
    const a = new Float32Array(vs);
    return this.bytes(field, new Uint8Array(a.buffer));
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
