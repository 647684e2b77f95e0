import { ProtoWriter } from './proto.js';

/** ONNX TensorProto.DataType codes we use. */
export const FLOAT = 1;
export const INT64 = 7;

export type AttrValue = number | number[] | string | { floats: number[] } | { float: number };

/** An attribute whose value must be encoded as a float (JS numbers are ambiguous). */
export const f32 = (v: number): { float: number } => ({ float: v });

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** Operator domain ('' = ai.onnx); ORT's contrib domains need an opset import. */
  domain: string;
}

/** ORT's blocked-layout (NCHWc) kernels: ReorderInput, NchwcConv, ReorderOutput, … */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';
/** Name of the sentinel output of toModel({ sentinel: true }). */
export const SENTINEL_OUTPUT = 'sentinel';

/** ORT's contrib ops (FusedConv, …). */
export const MS_DOMAIN = 'com.microsoft';

interface Initializer {
  name: string;
  dims: number[];
  type: number;
  values: number[];
}

/**
 * Builds a small ONNX graph in memory: float32 inputs/outputs with fixed shapes, nodes, and
 * constant initializers. `toModel()` returns ModelProto bytes for ORT's loadModel.
 */
export class GraphBuilder {
  private nodes: NodeSpec[] = [];
  private inits: Initializer[] = [];
  private inputs: Array<{ name: string; shape: number[] }> = [];
  private outputs: Array<{ name: string; shape: number[] }> = [];
  private counter = 0;
  /** Node outputs renamed to graph output names by output(). */
  private renamed = new Map<string, string>();

  input(shape: readonly number[]): string {
    const name = `in${this.inputs.length}`;
    this.inputs.push({ name, shape: [...shape] });
    return name;
  }

  output(name: string, shape: readonly number[]): void {
    const out = `out${this.outputs.length}`;
    const producer = this.nodes.find((n) => n.outputs[0] === name);
    if (producer) {
      // The producing node writes the graph output itself: an Identity whose input other nodes
      // also read stays in ORT's graph as a full copy into the caller's buffer.
      producer.outputs[0] = out;
      for (const n of this.nodes) n.inputs = n.inputs.map((i) => (i === name ? out : i));
      this.renamed.set(name, out);
    } else {
      // A graph input, or a value already output once: copy it.
      this.node('Identity', [this.renamed.get(name) ?? name], {}, out);
    }
    this.outputs.push({ name: out, shape: [...shape] });
  }

  constInt64(values: readonly number[]): string {
    const name = `c${this.counter++}`;
    this.inits.push({ name, dims: [values.length], type: INT64, values: [...values] });
    return name;
  }

  /** An int64 constant with an arbitrary shape (e.g. Gather indices). */
  constInt64Tensor(values: readonly number[], dims: readonly number[]): string {
    const name = `c${this.counter++}`;
    this.inits.push({ name, dims: [...dims], type: INT64, values: [...values] });
    return name;
  }

  constFloat(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = `c${this.counter++}`;
    this.inits.push({ name, dims: [...dims], type: FLOAT, values: [...values] });
    return name;
  }

  /** Adds a node and returns its (first) output name. Empty-string inputs mean "absent". */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outName?: string): string {
    const out = outName ?? `t${this.counter++}`;
    this.nodes.push({ op, inputs: this.resolve(inputs), outputs: [out], attrs, domain: '' });
    return out;
  }

  /** A node of a non-default operator domain (e.g. NCHWC_DOMAIN). */
  domainNode(domain: string, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    const out = `t${this.counter++}`;
    this.nodes.push({ op, inputs: this.resolve(inputs), outputs: [out], attrs, domain });
    return out;
  }

  /** Value names as they are now (outputs renamed by output()). */
  private resolve(names: string[]): string[] {
    return names.map((n) => this.renamed.get(n) ?? n);
  }

  /**
   * ModelProto bytes. With `sentinel`, the graph's first output is SENTINEL_OUTPUT, an empty
   * sequence (see runtime.ts: it stops the binding from copying the other outputs).
   */
  toModel(opts: { sentinel?: boolean } = {}): Uint8Array {
    const graph = new ProtoWriter();
    if (opts.sentinel) graph.message(1, encodeNode({ op: 'SequenceEmpty', inputs: [], outputs: [SENTINEL_OUTPUT], attrs: { dtype: FLOAT }, domain: '' }));
    for (const n of this.nodes) graph.message(1, encodeNode(n));
    graph.string(2, 'advlic');
    for (const t of this.inits) graph.message(5, encodeTensor(t));
    for (const v of this.inputs) graph.message(11, encodeValueInfo(v.name, v.shape));
    if (opts.sentinel) graph.message(12, encodeSequenceInfo(SENTINEL_OUTPUT));
    for (const v of this.outputs) graph.message(12, encodeValueInfo(v.name, v.shape));
    const model = new ProtoWriter().int(1, 8).string(2, 'advlic').message(7, graph);
    // OperatorSetIdProto {domain=1, version=2}: ai.onnx 17, plus every contrib domain used (v1).
    model.message(8, new ProtoWriter().string(1, '').int(2, 17));
    for (const d of new Set(this.nodes.map((n) => n.domain).filter((d) => d !== ''))) {
      model.message(8, new ProtoWriter().string(1, d).int(2, 1));
    }
    return model.finish();
  }
}

function encodeNode(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(4, n.op);
  if (n.domain) w.string(7, n.domain);
  for (const [name, v] of Object.entries(n.attrs)) w.message(5, encodeAttr(name, v));
  return w;
}

// AttributeProto: name=1, f=2, i=3, s=4, floats=7, ints=8, type=20 (FLOAT=1 INT=2 STRING=3 FLOATS=6 INTS=7)
function encodeAttr(name: string, v: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === 'number') return w.int(3, v).int(20, 2);
  if (typeof v === 'string') return w.string(4, v).int(20, 3);
  if (Array.isArray(v)) return w.packedInts(8, v).int(20, 7);
  if ('float' in v) return w.float(2, v.float).int(20, 1);
  return w.packedFloats(7, v.floats).int(20, 6);
}

// TensorProto: dims=1, data_type=2, float_data=4, int64_data=7, name=8
function encodeTensor(t: Initializer): ProtoWriter {
  const w = new ProtoWriter().packedInts(1, t.dims).int(2, t.type);
  if (t.type === FLOAT) w.packedFloats(4, t.values);
  else w.packedInts(7, t.values);
  return w.string(8, t.name);
}

// ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1: {dim_value=1}}}}}
function encodeValueInfo(name: string, shape: readonly number[]): ProtoWriter {
  const dims = new ProtoWriter();
  for (const d of shape) dims.message(1, new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, dims);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

// A float-tensor sequence: TypeProto{sequence_type=4: {elem_type=1: TypeProto{tensor_type=1: {elem_type=1}}}}
function encodeSequenceInfo(name: string): ProtoWriter {
  const tensorType = new ProtoWriter().message(1, new ProtoWriter().int(1, FLOAT));
  const seq = new ProtoWriter().message(4, new ProtoWriter().message(1, tensorType));
  return new ProtoWriter().string(1, name).message(2, seq);
}
