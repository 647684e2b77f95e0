import { GraphBuilder } from '../onnx.js';

/** Per-dimension plan of a stride-s transposed conv as s phases of one stride-1 conv. */
interface AxisPlan {
  /** Kernel index feeding tap a of phase r, or -1: taps[r][a]. */
  taps: number[][];
  /** Stride-1 kernel size and the conv's begin/end pads; sliceStart crops dy's start. */
  size: number;
  padBegin: number;
  padEnd: number;
  sliceStart: number;
}

/**
 * dx[s·q + r] = Σ_m dy[q + e_r − m] · w[s·m + c_r] with c_r = (r + pad) mod s and
 * e_r = ⌊(r + pad)/s⌋: each output phase r is a stride-1 correlation of dy.
 */
function planAxis(k: number, s: number, pad: number, outLen: number, dyLen: number): AxisPlan {
  const perPhase: Array<Array<{ d: number; kidx: number }>> = [];
  let dmin = Infinity;
  let dmax = -Infinity;
  for (let r = 0; r < s; r++) {
    const c = (r + pad) % s;
    const e = Math.floor((r + pad) / s);
    const list: Array<{ d: number; kidx: number }> = [];
    for (let m = 0; s * m + c < k; m++) {
      list.push({ d: e - m, kidx: s * m + c });
      dmin = Math.min(dmin, e - m);
      dmax = Math.max(dmax, e - m);
    }
    perPhase.push(list);
  }
  const size = dmax - dmin + 1;
  const taps = perPhase.map((list) => {
    const row = new Array<number>(size).fill(-1);
    for (const { d, kidx } of list) row[d - dmin] = kidx;
    return row;
  });
  const q = Math.ceil(outLen / s);
  const padBegin = Math.max(0, -dmin);
  const sliceStart = Math.max(0, dmin);
  const padEnd = Math.max(0, q - 1 + size - (dyLen - sliceStart) - padBegin);
  return { taps, size, padBegin, padEnd, sliceStart };
}

export interface PolyphaseSpec {
  dyShape: readonly number[]; // NHWC or NCHW, see channelsLast
  filterShape: readonly number[]; // HWIO [kh, kw, ci, co]
  outShape: readonly number[]; // dx shape, same layout as dy
  stride: number;
  padTop: number;
  padLeft: number;
  channelsLast: boolean;
}

/**
 * Conv2DBackpropInput for equal strides s ≥ 2 as one stride-1 conv with s²·Cin output
 * channels followed by DepthToSpace: dense GEMM work instead of ConvTranspose's col2im.
 */
export function buildPolyphaseGraph(p: PolyphaseSpec): GraphBuilder {
  const [kh, kw, ci, co] = p.filterShape;
  const s = p.stride;
  const [outH, outW] = p.channelsLast ? [p.outShape[1], p.outShape[2]] : [p.outShape[2], p.outShape[3]];
  const [dyH, dyW] = p.channelsLast ? [p.dyShape[1], p.dyShape[2]] : [p.dyShape[2], p.dyShape[3]];
  const ph = planAxis(kh, s, p.padTop, outH, dyH);
  const pw = planAxis(kw, s, p.padLeft, outW, dyW);
  const zero = kh * kw; // index of the appended zero filter row
  const index: number[] = [];
  for (let a = 0; a < ph.size; a++)
    for (let b = 0; b < pw.size; b++)
      for (let rh = 0; rh < s; rh++)
        for (let rw = 0; rw < s; rw++) {
          const ih = ph.taps[rh][a];
          const iw = pw.taps[rw][b];
          index.push(ih < 0 || iw < 0 ? zero : ih * kw + iw);
        }

  const g = new GraphBuilder();
  let dy = g.input(p.dyShape);
  const w = g.input(p.filterShape);
  if (p.channelsLast) dy = g.node('Transpose', [dy], { perm: [0, 3, 1, 2] });
  if (ph.sliceStart > 0 || pw.sliceStart > 0) {
    dy = g.node('Slice', [dy, g.constInt64([ph.sliceStart, pw.sliceStart]), g.constInt64([dyH, dyW]), g.constInt64([2, 3])]);
  }
  const rows = g.node('Reshape', [w, g.constInt64([kh * kw, ci, co])]);
  const padded = g.node('Concat', [rows, g.constFloat(new Array<number>(ci * co).fill(0), [1, ci, co])], { axis: 0 });
  const gathered = g.node('Gather', [padded, g.constInt64Tensor(index, [ph.size, pw.size, s, s])], { axis: 0 });
  const oihw = g.node('Reshape', [
    g.node('Transpose', [gathered], { perm: [2, 3, 4, 5, 0, 1] }),
    g.constInt64([s * s * ci, co, ph.size, pw.size]),
  ]);
  const phases = g.node('Conv', [dy, oihw], {
    kernel_shape: [ph.size, pw.size],
    pads: [ph.padBegin, pw.padBegin, ph.padEnd, pw.padEnd],
  });
  let dx = g.node('DepthToSpace', [phases], { blocksize: s, mode: 'DCR' });
  dx = g.node('Slice', [dx, g.constInt64([0, 0]), g.constInt64([outH, outW]), g.constInt64([2, 3])]);
  if (p.channelsLast) dx = g.node('Transpose', [dx], { perm: [0, 2, 3, 1] });
  g.output(dx, p.outShape);
  return g;
}
