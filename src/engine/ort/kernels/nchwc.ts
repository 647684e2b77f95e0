import { GraphBuilder, NCHWC_DOMAIN, type AttrValue } from '../onnx.js';
import { ortLoaded, runGraph } from '../runtime.js';
import { thresholds } from '../thresholds.js';

/**
 * ORT's blocked-channel (NCHWc) convolution: MLAS's direct conv kernels, which ORT's own graph
 * optimizer only uses for constant weights. We call them explicitly (ReorderInput → NchwcConv →
 * ReorderOutput) with the filter reordered inside the graph, so that runtime weights get them
 * too; ReorderInput/ReorderOutput read and write NHWC directly, replacing the layout transposes.
 */

let block: number | undefined;

/**
 * Channels per block of this CPU's MLAS NCHWc kernels (8 with AVX2, 16 with AVX-512), read off
 * ReorderInput's output order on a probe tensor; 0 if the kernels are unavailable.
 */
export function nchwcBlock(): number {
  if (block !== undefined) return block;
  if (!ortLoaded()) return 0;
  const c = 32;
  const x = Float32Array.from({ length: 2 * c }, (_, i) => i); // NCHW [1, 32, 1, 2]: x[ch][p] = 2ch + p
  try {
    const build = (): GraphBuilder => {
      const g = new GraphBuilder();
      g.output(g.domainNode(NCHWC_DOMAIN, 'ReorderInput', [g.input([1, c, 1, 2])]), [1, c, 1, 2]);
      return g;
    };
    const [out] = runGraph('nchwc-probe', build, [{ data: x, shape: [1, c, 1, 2] }], [[1, c, 1, 2]]);
    // Blocked order is [block][pixel][channel in block]: pixel 1 of channel 0 (value 1) sits at index B.
    const b = out.indexOf(1);
    // No blocking (index 1) means no NCHWc kernels on this CPU.
    block = b >= 4 && c % b === 0 ? b : 0;
  } catch {
    block = 0;
  }
  return block;
}

/** Block size to use for a conv with these channel counts, or 0 for the plain Conv path. */
export function nchwcFor(inChannels: number): number {
  if (!thresholds.nchwc) return 0;
  const b = nchwcBlock();
  // Blocked input needs whole blocks; fewer channels than a block use MLAS's NCHW-input variant.
  return b > 0 && (inChannels % b === 0 || inChannels < b) ? b : 0;
}

const roundUp = (v: number, b: number): number => Math.ceil(v / b) * b;

export type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'leakyrelu';

export interface NchwcConvSpec {
  /** Input tensor name and its layout; its channel count. */
  x: string;
  channelsLast: boolean;
  /** x is already blocked (a ReorderInput shared by several convs). */
  inputBlocked?: boolean;
  inChannels: number;
  /** Filter as [kh, kw, in, out] (TF's HWIO), a graph value name. */
  filterHwio: string;
  kh: number;
  kw: number;
  outChannels: number;
  bias?: string;
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
  act?: FusedActivation;
  alpha?: number;
  /** Output layout (NHWC when true), or 'blocked' to return the NCHWc result itself. */
  outChannelsLast: boolean | 'blocked';
}

/**
 * Appends x ⊛ W (+ bias, activation) in blocked layout and returns the output name, in the
 * requested layout with exactly outChannels channels (output blocks are zero-padded inside),
 * or still blocked (declared [N, outChannels rounded up to blocks, H, W]).
 */
export function nchwcConv(g: GraphBuilder, b: number, s: NchwcConvSpec): string {
  const { kh, kw, inChannels: ci, outChannels: co } = s;
  const cop = roundUp(co, b);
  const blockedInput = ci % b === 0;
  let w = s.filterHwio;
  if (cop !== co) w = g.node('Pad', [w, g.constInt64([0, 0, 0, 0, 0, 0, 0, cop - co])]);
  // MLAS filter formats: OIHWBiBo [O/B][I/B][kh][kw][Bi][Bo] for blocked input, OIHWBo
  // [O/B][I][kh][kw][Bo] for NCHW input; the node's declared shape stays OIHW.
  w = blockedInput
    ? g.node('Transpose', [g.node('Reshape', [w, g.constInt64([kh, kw, ci / b, b, cop / b, b])])], { perm: [4, 2, 0, 1, 3, 5] })
    : g.node('Transpose', [g.node('Reshape', [w, g.constInt64([kh, kw, ci, cop / b, b])])], { perm: [3, 2, 0, 1, 4] });
  w = g.node('Reshape', [w, g.constInt64([cop, ci, kh, kw])]);
  let x = s.x;
  if (s.inputBlocked) {
    if (!blockedInput) throw new Error('nchwcConv: a blocked input needs whole channel blocks');
  } else if (blockedInput) x = g.domainNode(NCHWC_DOMAIN, 'ReorderInput', [x], { channels_last: s.channelsLast ? 1 : 0 });
  else if (s.channelsLast) x = g.node('Transpose', [x], { perm: [0, 3, 1, 2] }); // few channels: cheap
  const inputs = [x, w];
  if (s.bias) inputs.push(cop === co ? s.bias : g.node('Pad', [s.bias, g.constInt64([0, cop - co])]));
  const attrs: Record<string, AttrValue> = {
    kernel_shape: [kh, kw],
    strides: s.strides,
    dilations: s.dilations,
    pads: s.pads,
  };
  const act = s.act ?? 'linear';
  if (act === 'relu') attrs.activation = 'Relu';
  if (act === 'sigmoid') attrs.activation = 'Sigmoid';
  if (act === 'leakyrelu') {
    attrs.activation = 'LeakyRelu';
    attrs.activation_params = { floats: [s.alpha ?? 0.2] };
  }
  const y = g.domainNode(NCHWC_DOMAIN, 'Conv', inputs, attrs);
  if (s.outChannelsLast === 'blocked') return y;
  return g.domainNode(NCHWC_DOMAIN, 'ReorderOutput', [y], { channels: co, channels_last: s.outChannelsLast ? 1 : 0 });
}
