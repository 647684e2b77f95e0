import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { thresholds } from '../thresholds.js';
import { backend_util } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { GraphBuilder, f32, type AttrValue } from '../onnx.js';
import { allFloat, runToTensor, withFallback } from './util.js';
import { nchwcConv, nchwcFor } from './nchwc.js';
import { bandRows, runBanded } from '../bands.js';
import { f32Values } from '../backend.js';

type Conv2DInfo = backend_util.Conv2DInfo;
type Activation = 'linear' | 'relu' | 'sigmoid' | 'leakyrelu';

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** HWIO filter → ORT's OIHW. */
const HWIO_TO_OIHW = [3, 2, 0, 1];

export function convAttrs(info: Conv2DInfo): Record<string, AttrValue> {
  const p = info.padInfo;
  return {
    kernel_shape: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [p.top, p.left, p.bottom, p.right],
  };
}

const macs = (info: Conv2DInfo): number =>
  info.batchSize * info.outHeight * info.outWidth * info.outChannels * info.inChannels * info.filterHeight * info.filterWidth;

function applyActivation(g: GraphBuilder, y: string, act: Activation, alpha: number): string {
  if (act === 'relu') return g.node('Relu', [y]);
  if (act === 'sigmoid') return g.node('Sigmoid', [y]);
  if (act === 'leakyrelu') return g.node('LeakyRelu', [y], { alpha: f32(alpha) });
  return y;
}

interface ConvArgs {
  backend: MathBackendCPU;
  x: TensorInfo;
  filter: TensorInfo;
  bias?: TensorInfo;
  info: Conv2DInfo;
  channelsLast: boolean;
  act: Activation;
  alpha: number;
  depthwise: boolean;
}

/** The NCHWc graph of conv `a` on an input of xShape with these pads ([top, left, bottom, right]). */
function buildBlocked(a: ConvArgs, block: number, xShape: readonly number[], pads: [number, number, number, number], outShape: readonly number[]): GraphBuilder {
  const { info } = a;
  const g = new GraphBuilder();
  const x = g.input(xShape);
  const w = g.input(a.filter.shape);
  const y = nchwcConv(g, block, {
    x, channelsLast: a.channelsLast, inChannels: info.inChannels, filterHwio: w, kh: info.filterHeight, kw: info.filterWidth,
    outChannels: info.outChannels, bias: a.bias ? g.input(a.bias.shape) : undefined,
    strides: [info.strideHeight, info.strideWidth], dilations: [info.dilationHeight, info.dilationWidth],
    pads, act: a.act, alpha: a.alpha, outChannelsLast: a.channelsLast,
  });
  g.output(y, outShape);
  return g;
}

/** An NHWC blocked conv run on bands of output rows (bands.ts), or null for one band. */
function runConvBanded(a: ConvArgs, block: number): TensorInfo | null {
  const { info } = a;
  if (!a.channelsLast || !block || bandRows(info.outShape, 1) >= info.outHeight) return null;
  const p = info.padInfo;
  const s = info.strideHeight;
  const span = (info.filterHeight - 1) * info.dilationHeight + 1;
  const [, , w, c] = a.x.shape;
  const [, , ow, co] = info.outShape;
  const view = (t: TensorInfo) => ({ data: f32Values(a.backend, t.dataId), shape: t.shape });
  const base = ['convBand', w, c, a.filter.shape, a.bias?.shape, convAttrs(info), a.act, a.alpha, block];
  const out = runBanded({
    x: view(a.x),
    outShape: info.outShape,
    inputRows: (o0, o1) => [o0 * s - p.top, (o1 - 1) * s - p.top + span],
    align: 1,
    shared: a.bias ? [view(a.filter), view(a.bias)] : [view(a.filter)],
    key: (b) => JSON.stringify([...base, b.in1 - b.in0, b.out1 - b.out0, b.in0 - b.start, b.end - b.in1]),
    build: (b) => buildBlocked(a, block, [1, b.in1 - b.in0, w!, c!], [b.in0 - b.start, p.left, b.end - b.in1, p.right], [1, b.out1 - b.out0, ow!, co!]),
    ortOutShape: (b) => [1, b.out1 - b.out0, ow!, co!],
  });
  return a.backend.makeTensorInfo(info.outShape, 'float32', out);
}

function runConv(a: ConvArgs): TensorInfo {
  const { info, channelsLast, depthwise } = a;
  const attrs = convAttrs(info);
  if (depthwise) attrs.group = info.inChannels;
  const block = depthwise ? 0 : nchwcFor(info.inChannels);
  const banded = runConvBanded(a, block);
  if (banded) return banded;
  const key = JSON.stringify(['conv', a.x.shape, a.filter.shape, a.bias?.shape, attrs, channelsLast, a.act, a.alpha, block]);
  const p = info.padInfo;
  const buildBlockedFull = (): GraphBuilder => buildBlocked(a, block, a.x.shape, [p.top, p.left, p.bottom, p.right], info.outShape);
  const build = block ? buildBlockedFull : (): GraphBuilder => {
    const g = new GraphBuilder();
    let x = g.input(a.x.shape);
    let w = g.input(a.filter.shape);
    if (channelsLast) x = g.node('Transpose', [x], { perm: TO_NCHW });
    if (depthwise) {
      // [fh, fw, ci, mult] → [ci*mult, 1, fh, fw]; TF's output channel c*mult+m matches ORT groups.
      const [fh, fw, ci, mult] = a.filter.shape;
      w = g.node('Reshape', [w, g.constInt64([fh, fw, ci * mult, 1])]);
      w = g.node('Transpose', [w], { perm: [2, 3, 0, 1] });
    } else {
      w = g.node('Transpose', [w], { perm: HWIO_TO_OIHW });
    }
    const inputs = [x, w];
    if (a.bias) inputs.push(g.input(a.bias.shape));
    let y = g.node('Conv', inputs, attrs);
    y = applyActivation(g, y, a.act, a.alpha);
    if (channelsLast) y = g.node('Transpose', [y], { perm: TO_NHWC });
    g.output(y, info.outShape);
    return g;
  };
  const ins = a.bias ? [a.x, a.filter, a.bias] : [a.x, a.filter];
  return runToTensor(a.backend, key, build, ins, info.outShape);
}

interface ConvKernelAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
}

function convInfoFor(x: TensorInfo, filter: TensorInfo, at: ConvKernelAttrs, depthwise: boolean): Conv2DInfo {
  const fmt = backend_util.convertConv2DDataFormat(at.dataFormat ?? 'NHWC');
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    at.strides, at.dilations ?? 1, at.pad, at.dimRoundingMode, depthwise, fmt,
  );
}

export const conv2DConfig: KernelConfig = withFallback('Conv2D', ({ inputs, attrs, backend }) => {
  const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
  const at = attrs as unknown as ConvKernelAttrs;
  if (!allFloat([x, filter])) return null;
  const info = convInfoFor(x, filter, at, false);
  if (macs(info) < thresholds.convMacs) return null;
  return runConv({
    backend: backend as MathBackendCPU, x, filter, info,
    channelsLast: info.dataFormat === 'channelsLast', act: 'linear', alpha: 0, depthwise: false,
  });
});

export const depthwiseConv2DConfig: KernelConfig = withFallback('DepthwiseConv2dNative', ({ inputs, attrs, backend }) => {
  const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
  const at = attrs as unknown as ConvKernelAttrs;
  if (!allFloat([x, filter])) return null;
  const info = convInfoFor(x, filter, { ...at, dataFormat: 'NHWC' }, true);
  if (macs(info) / info.inChannels < thresholds.convMacs / 8) return null;
  return runConv({
    backend: backend as MathBackendCPU, x, filter, info,
    channelsLast: true, act: 'linear', alpha: 0, depthwise: true,
  });
});

const FUSABLE = new Set(['linear', 'relu', 'sigmoid', 'leakyrelu']);

export const fusedConv2DConfig: KernelConfig = withFallback('FusedConv2D', ({ inputs, attrs, backend }) => {
  const { x, filter, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
  const at = attrs as unknown as ConvKernelAttrs;
  const act = at.activation ?? 'linear';
  if (!x || !filter || preluActivationWeights || !FUSABLE.has(act)) return null;
  if (!allFloat([x, filter, bias])) return null;
  const info = convInfoFor(x, filter, at, false);
  // ORT's Conv bias is one value per output channel.
  if (bias && !(bias.shape.length === 1 && bias.shape[0] === info.outChannels)) return null;
  if (macs(info) < thresholds.convMacs) return null;
  return runConv({
    backend: backend as MathBackendCPU, x, filter, bias, info,
    channelsLast: info.dataFormat === 'channelsLast', act: act as Activation,
    alpha: at.leakyreluAlpha ?? 0.2, depthwise: false,
  });
});
