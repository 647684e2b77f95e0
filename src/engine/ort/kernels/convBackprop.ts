import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { thresholds } from '../thresholds.js';
import { backend_util } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { GraphBuilder } from '../onnx.js';
import { buildPolyphaseGraph, polyphaseOutputShape } from './polyphase.js';
import { nchwcFor } from './nchwc.js';
import { allFloat, runToTensor, withFallback } from './util.js';
import { col2imSettings, gemmCol2im } from './col2im.js';
import { f32Values } from '../backend.js';



interface BackpropAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

function infoFor(xShape: number[], filterShape: number[], at: BackpropAttrs): backend_util.Conv2DInfo {
  const fmt = backend_util.convertConv2DDataFormat(at.dataFormat ?? 'NHWC');
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    at.strides, 1, at.pad, at.dimRoundingMode, false, fmt,
  );
}

const macs = (i: backend_util.Conv2DInfo): number =>
  i.batchSize * i.outHeight * i.outWidth * i.outChannels * i.inChannels * i.filterHeight * i.filterWidth;

/**
 * dx of a conv (= a transposed conv of dy), optionally + bias [Cin]: for ≤ 4 channels (the
 * image layers) one GEMM + col2im (col2im.ts), else polyphase stride-1 convs + DepthToSpace, or
 * ORT ConvTranspose with the forward pads (output_padding restores TF's exact size). Null when
 * ORT should not run it (small, unsupported geometry).
 */
export function inputGradient(
  backend: MathBackendCPU, dy: TensorInfo, filter: TensorInfo, attrs: unknown, bias?: TensorInfo,
): TensorInfo | null {
  const at = attrs as BackpropAttrs;
  if (!allFloat([dy, filter, bias]) || !at.inputShape) return null;
  const info = infoFor(at.inputShape, filter.shape, at);
  if (macs(info) < thresholds.convMacs) return null;
  const last = info.dataFormat === 'channelsLast';
  const p = info.padInfo;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const opH = info.inHeight - (sh * (info.outHeight - 1) + info.filterHeight - p.top - p.bottom);
  const opW = info.inWidth - (sw * (info.outWidth - 1) + info.filterWidth - p.left - p.right);
  if (opH < 0 || opW < 0 || opH >= sh || opW >= sw) return null;
  const outShape = [...at.inputShape];
  if (last && info.inChannels <= col2imSettings.maxChannels && col2imSettings.enabled) {
    // Few output channels (the image layers): one GEMM + col2im instead of blocked convs.
    const spec = { dyShape: dy.shape, filterShape: filter.shape, outShape, strideH: sh, strideW: sw, padTop: p.top, padLeft: p.left };
    const v = (t: TensorInfo): Float32Array => f32Values(backend, t.dataId);
    return backend.makeTensorInfo(outShape, 'float32', gemmCol2im(spec, v(dy), v(filter), bias && v(bias)));
  }
  const ins = bias ? [dy, filter, bias] : [dy, filter];
  // dy's channels are the conv's output channels: the blocked kernels' input here.
  const block = nchwcFor(info.outChannels);
  if (sh === sw && (sh >= 2 || block) && thresholds.inputGradient === 'polyphase') {
    const key = JSON.stringify(['convTpoly', dy.shape, filter.shape, outShape, p, sh, last, block, Boolean(bias)]);
    const spec = { dyShape: dy.shape, filterShape: filter.shape, outShape, stride: sh, padTop: p.top, padLeft: p.left, channelsLast: last, block, bias: Boolean(bias) };
    return runToTensor(backend, key, () => buildPolyphaseGraph(spec), ins, outShape, polyphaseOutputShape(spec));
  }
  const key = JSON.stringify(['convT', dy.shape, filter.shape, outShape, p, sh, sw, last, Boolean(bias)]);
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    let x = g.input(dy.shape);
    let w = g.input(filter.shape);
    if (last) x = g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
    w = g.node('Transpose', [w], { perm: [3, 2, 0, 1] });
    const convIns = bias ? [x, w, g.input(bias.shape)] : [x, w];
    let y = g.node('ConvTranspose', convIns, {
      kernel_shape: [info.filterHeight, info.filterWidth],
      strides: [sh, sw],
      pads: [p.top, p.left, p.bottom, p.right],
      output_padding: [opH, opW],
    });
    if (last) y = g.node('Transpose', [y], { perm: [0, 2, 3, 1] });
    g.output(y, outShape);
    return g;
  };
  return runToTensor(backend, key, build, ins, outShape);
}

export const conv2DBackpropInputConfig: KernelConfig = withFallback('Conv2DBackpropInput', ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  return inputGradient(backend as MathBackendCPU, dy, filter, attrs);
});

/**
 * dW as one forward conv: batch and channel swapped (x → [Cin, N, H, W] images, dy → [Cout, N,
 * oh, ow] filters), the forward stride becoming the dilation. Output [Cin, Cout, fh', fw'],
 * cropped to the filter size and transposed to HWIO.
 */
export const conv2DBackpropFilterConfig: KernelConfig = withFallback('Conv2DBackpropFilter', ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const at = attrs as unknown as BackpropAttrs;
  if (!allFloat([x, dy]) || !at.filterShape) return null;
  const info = infoFor(x.shape, at.filterShape, at);
  if (macs(info) < thresholds.convMacs) return null;
  const last = info.dataFormat === 'channelsLast';
  const p = info.padInfo;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const padBottom = Math.max(0, fh + (info.outHeight - 1) * sh - info.inHeight - p.top);
  const padRight = Math.max(0, fw + (info.outWidth - 1) * sw - info.inWidth - p.left);
  const gotH = info.inHeight + p.top + padBottom - (info.outHeight - 1) * sh;
  const gotW = info.inWidth + p.left + padRight - (info.outWidth - 1) * sw;
  const outShape = [...at.filterShape];
  const key = JSON.stringify(['convDW', x.shape, dy.shape, outShape, p, sh, sw, last]);
  const build = (): GraphBuilder => {
    const g = new GraphBuilder();
    const swap = last ? [3, 0, 1, 2] : [1, 0, 2, 3];
    const xs = g.node('Transpose', [g.input(x.shape)], { perm: swap });
    const ds = g.node('Transpose', [g.input(dy.shape)], { perm: swap });
    let w = g.node('Conv', [xs, ds], {
      kernel_shape: [info.outHeight, info.outWidth],
      strides: [1, 1],
      dilations: [sh, sw],
      pads: [p.top, p.left, padBottom, padRight],
    });
    if (gotH !== fh || gotW !== fw) {
      w = g.node('Slice', [w, g.constInt64([0, 0]), g.constInt64([fh, fw]), g.constInt64([2, 3])]);
    }
    g.output(g.node('Transpose', [w], { perm: [2, 3, 0, 1] }), outShape);
    return g;
  };
  return runToTensor(backend as MathBackendCPU, key, build, [x, dy], outShape);
});
