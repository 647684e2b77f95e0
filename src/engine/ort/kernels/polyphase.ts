import { GraphBuilder, NCHWC_DOMAIN } from '../onnx.js';
import { nchwcConv } from './nchwc.js';

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

/** Range [first, last] of non-zero taps of phase r. */
function tapRange(a: AxisPlan, r: number): [number, number] {
  const row = a.taps[r]!;
  const first = row.findIndex((t) => t >= 0);
  let last = row.length - 1;
  while (row[last]! < 0) last--;
  return [first, last];
}

/**
 * The s² phases as separate blocked convs with only their own taps (for 5x5 stride 2: 9+6+6+4
 * taps instead of 4·9 in the shared 3x3 kernel), concatenated in blocked layout — for N = 1,
 * or whole channel blocks, appending [N, C/B, H, W, B] tensors along C is the blocked layout
 * of the concatenation — and reordered once. Undefined when a phase would need a negative pad.
 */
function exactPhases(
  g: GraphBuilder, p: PolyphaseSpec, ph: AxisPlan, pw: AxisPlan, qh: number, qw: number, rows: string, dy: string, bias?: string,
): string | undefined {
  const s = p.stride;
  const [, , ci, co] = p.filterShape;
  const kw = p.filterShape[1]!;
  const [dyH, dyW] = p.channelsLast ? [p.dyShape[1]!, p.dyShape[2]!] : [p.dyShape[2]!, p.dyShape[3]!];
  const lh = dyH - ph.sliceStart;
  const lw = dyW - pw.sliceStart;
  const plans: Array<{ rh: number; rw: number; hr: [number, number]; wr: [number, number]; pads: [number, number, number, number] }> = [];
  for (let rh = 0; rh < s; rh++) {
    for (let rw = 0; rw < s; rw++) {
      const hr = tapRange(ph, rh);
      const wr = tapRange(pw, rw);
      const [mh, mw] = [hr[1] - hr[0] + 1, wr[1] - wr[0] + 1];
      const top = ph.padBegin - hr[0];
      const left = pw.padBegin - wr[0];
      // Output exactly qh x qw, like the shared conv, so that the phases line up.
      const bottom = qh - 1 - lh + mh - top;
      const right = qw - 1 - lw + mw - left;
      if (Math.min(top, left, bottom, right) < 0 || hr[0] < 0 || wr[0] < 0) return undefined;
      plans.push({ rh, rw, hr, wr, pads: [top, left, bottom, right] });
    }
  }
  const x = g.domainNode(NCHWC_DOMAIN, 'ReorderInput', [dy], { channels_last: p.channelsLast ? 1 : 0 });
  const outs = plans.map(({ rh, rw, hr, wr, pads }) => {
    const index: number[] = [];
    for (let a = hr[0]; a <= hr[1]; a++) {
      for (let b = wr[0]; b <= wr[1]; b++) {
        const ih = ph.taps[rh]![a]!;
        const iw = pw.taps[rw]![b]!;
        index.push(ih < 0 || iw < 0 ? rowsZero(p) : ih * kw + iw);
      }
    }
    const [mh, mw] = [hr[1] - hr[0] + 1, wr[1] - wr[0] + 1];
    // [mh, mw, ci, co] → HWIO of the conv from dy's co channels to ci.
    const taps = g.node('Gather', [rows, g.constInt64Tensor(index, [mh, mw])], { axis: 0 });
    const hwio = g.node('Transpose', [taps], { perm: [0, 1, 3, 2] });
    return nchwcConv(g, p.block, {
      x, channelsLast: false, inChannels: co!, filterHwio: hwio, kh: mh, kw: mw, outChannels: ci!, bias,
      strides: [1, 1], dilations: [1, 1], pads, outChannelsLast: 'blocked', inputBlocked: true,
    });
  });
  const all = g.node('Concat', outs, { axis: 1 });
  return g.domainNode(NCHWC_DOMAIN, 'ReorderOutput', [all], { channels: s * s * ci!, channels_last: p.channelsLast ? 1 : 0 });
}

/** Index of the appended zero row in the [kh·kw + 1, ci, co] filter rows. */
const rowsZero = (p: PolyphaseSpec): number => p.filterShape[0]! * p.filterShape[1]!;

export interface PolyphaseSpec {
  dyShape: readonly number[]; // NHWC or NCHW, see channelsLast
  filterShape: readonly number[]; // HWIO [kh, kw, ci, co]
  outShape: readonly number[]; // dx shape, same layout as dy
  stride: number;
  padTop: number;
  padLeft: number;
  channelsLast: boolean;
  /** NCHWc block size for ORT's blocked conv kernels, or 0 for the plain Conv with transposes. */
  block: number;
  /** A third graph input, bias [Cin], is added to dx (a transposed conv layer's bias). */
  bias?: boolean;
}

/** The phase grid (the stride-1 convs' output size) per axis. */
function phaseGrid(p: PolyphaseSpec): { ph: AxisPlan; pw: AxisPlan; qh: number; qw: number; outH: number; outW: number } {
  const [kh, kw] = p.filterShape;
  const [outH, outW] = p.channelsLast ? [p.outShape[1]!, p.outShape[2]!] : [p.outShape[2]!, p.outShape[3]!];
  const [dyH, dyW] = p.channelsLast ? [p.dyShape[1]!, p.dyShape[2]!] : [p.dyShape[2]!, p.dyShape[3]!];
  const ph = planAxis(kh!, p.stride, p.padTop, outH, dyH);
  const pw = planAxis(kw!, p.stride, p.padLeft, outW, dyW);
  const qh = dyH - ph.sliceStart + ph.padBegin + ph.padEnd - ph.size + 1;
  const qw = dyW - pw.sliceStart + pw.padBegin + pw.padEnd - pw.size + 1;
  return { ph, pw, qh, qw, outH, outW };
}

/**
 * Shape of the graph's output as ORT writes it: dx's shape, except for the blocked NHWC path
 * without a crop, whose last node is the DepthToSpace transpose [N, qh, s, qw, s, Cin] (the same
 * memory as dx): a trailing Reshape would be a full copy into the caller's buffer.
 */
export function polyphaseOutputShape(p: PolyphaseSpec): number[] {
  const { qh, qw, outH, outW } = phaseGrid(p);
  const s = p.stride;
  if (p.block && p.channelsLast && s > 1 && qh * s === outH && qw * s === outW) return [p.outShape[0]!, qh, s, qw, s, p.filterShape[2]!];
  return [...p.outShape];
}

/**
 * Conv2DBackpropInput for equal strides s as one stride-1 conv with s²·Cin output channels
 * followed by DepthToSpace (s ≥ 2): dense GEMM work instead of ConvTranspose's col2im. With
 * s = 1 it is the plain conv with the flipped, in/out-swapped filter.
 */
export function buildPolyphaseGraph(p: PolyphaseSpec): GraphBuilder {
  const [kh, kw, ci, co] = p.filterShape;
  const s = p.stride;
  const [dyH, dyW] = p.channelsLast ? [p.dyShape[1], p.dyShape[2]] : [p.dyShape[2], p.dyShape[3]];
  const { ph, pw, qh, qw, outH, outW } = phaseGrid(p);
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
  const bias = p.bias ? g.input([ci]) : undefined;
  const [hAxis, wAxis] = p.channelsLast ? [1, 2] : [2, 3];
  if (ph.sliceStart > 0 || pw.sliceStart > 0) {
    dy = g.node('Slice', [dy, g.constInt64([ph.sliceStart, pw.sliceStart]), g.constInt64([dyH, dyW]), g.constInt64([hAxis, wAxis])]);
  }
  const rows = g.node('Reshape', [w, g.constInt64([kh * kw, ci, co])]);
  const padded = g.node('Concat', [rows, g.constFloat(new Array<number>(ci * co).fill(0), [1, ci, co])], { axis: 0 });
  // [ph, pw, s, s, ci, co]: phase filters; output channel (rh, rw, c) is DepthToSpace's DCR order.
  // Added only where used: ORT runs nodes whose outputs nothing reads, too.
  const gathered = (): string => g.node('Gather', [padded, g.constInt64Tensor(index, [ph.size, pw.size, s, s])], { axis: 0 });
  const pads: [number, number, number, number] = [ph.padBegin, pw.padBegin, ph.padEnd, pw.padEnd];
  const crop = (t: string, axes: number[]): string =>
    qh * s === outH && qw * s === outW ? t : g.node('Slice', [t, g.constInt64([0, 0]), g.constInt64([outH, outW]), g.constInt64(axes)]);
  if (p.block) {
    const exact = s > 1 && ci % p.block === 0 && co % p.block === 0 ? exactPhases(g, p, ph, pw, qh, qw, padded, dy, bias) : undefined;
    let phases = exact ?? nchwcConv(g, p.block, {
      x: dy, channelsLast: p.channelsLast, inChannels: co, kh: ph.size, kw: pw.size, outChannels: s * s * ci,
      // Every phase (output channel (rh, rw, c)) gets bias[c].
      bias: bias && (s > 1 ? g.node('Tile', [bias, g.constInt64([s * s])]) : bias),
      filterHwio: g.node('Reshape', [g.node('Transpose', [gathered()], { perm: [0, 1, 5, 2, 3, 4] }), g.constInt64([ph.size, pw.size, co, s * s * ci])]),
      strides: [1, 1], dilations: [1, 1], pads, outChannelsLast: p.channelsLast,
    });
    if (s > 1 && p.channelsLast) {
      // DepthToSpace on NHWC: moves whole ci-channel runs, no layout transpose.
      const n = p.outShape[0];
      phases = g.node('Reshape', [phases, g.constInt64([n, qh, qw, s, s, ci])]);
      phases = g.node('Transpose', [phases], { perm: [0, 1, 3, 2, 4, 5] });
      const direct = polyphaseOutputShape(p);
      if (direct.length === 6) {
        g.output(phases, direct);
        return g;
      }
      phases = g.node('Reshape', [phases, g.constInt64([n, qh * s, qw * s, ci])]);
    } else if (s > 1) {
      phases = g.node('DepthToSpace', [phases], { blocksize: s, mode: 'DCR' });
    }
    g.output(crop(phases, [hAxis, wAxis]), p.outShape);
    return g;
  }
  if (p.channelsLast) dy = g.node('Transpose', [dy], { perm: [0, 3, 1, 2] });
  const oihw = g.node('Reshape', [
    g.node('Transpose', [gathered()], { perm: [2, 3, 4, 5, 0, 1] }),
    g.constInt64([s * s * ci, co, ph.size, pw.size]),
  ]);
  const phases = g.node('Conv', [dy, oihw], { kernel_shape: [ph.size, pw.size], pads });
  let dx = s > 1 ? g.node('DepthToSpace', [phases], { blocksize: s, mode: 'DCR' }) : phases;
  dx = crop(dx, [2, 3]); // still NCHW here
  if (bias) dx = g.node('Add', [dx, g.node('Reshape', [bias, g.constInt64([ci, 1, 1])])]);
  if (p.channelsLast) dx = g.node('Transpose', [dx], { perm: [0, 2, 3, 1] });
  g.output(dx, p.outShape);
  return g;
}
