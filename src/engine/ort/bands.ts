import type { GraphBuilder } from './onnx.js';
import { takeBuffer } from './pool.js';
import { runGraphInto, type OrtInput } from './runtime.js';
import { thresholds } from './thresholds.js';

/**
 * Convolutions on horizontal bands of output rows. A full-resolution conv graph makes full-size
 * intermediates (the blocked-layout reorders), which glibc maps afresh and which page-fault on
 * every run unless the process runs with the CLI's malloc settings; on bands of a few MB they
 * come from the reused heap and stay in cache. In NHWC a band of rows of one image is
 * contiguous, so each band reads a view of the input (its rows plus the kernel's halo) and
 * writes its view of the output in place. (Polyphase input gradients on bands measured slower:
 * the phase convs on few rows lose more than the copies gain.)
 */
export interface Band {
  /** Output rows [out0, out1) of one image. */
  out0: number;
  out1: number;
  /** Input rows [in0, in1) it reads: [start, end) clipped to the image. */
  in0: number;
  in1: number;
  start: number;
  end: number;
}

export interface BandedConv {
  /** NHWC input (its rows are banded) and output shapes. */
  x: { data: Float32Array; shape: readonly number[] };
  outShape: readonly number[];
  /** Unclipped input rows [start, end) that output rows [o0, o1) read. */
  inputRows: (o0: number, o1: number) => [number, number];
  /** Band heights are multiples of this (but the last). */
  align: number;
  /** Graph inputs after the band of x (filter, bias), the same for every band. */
  shared: readonly OrtInput[];
  /** Cache key, graph and its declared output shape for a band (same key, same graph). */
  key: (b: Band) => string;
  build: (b: Band) => GraphBuilder;
  ortOutShape: (b: Band) => readonly number[];
}

/** Output rows per band: about thresholds.bandElements output values, aligned; ≥ all rows means one band. */
export function bandRows(outShape: readonly number[], align: number): number {
  const rowElems = outShape[2]! * outShape[3]!;
  const rows = Math.max(1, Math.floor(thresholds.bandElements / rowElems));
  const n = Math.ceil(outShape[1]! / rows);
  return Math.ceil(Math.ceil(outShape[1]! / n) / align) * align;
}

/** Runs the conv band by band into a pooled output array (NHWC, outShape). */
export function runBanded(c: BandedConv): Float32Array {
  const [images, h, w, ci] = c.x.shape as [number, number, number, number];
  const [, oh, ow, co] = c.outShape as [number, number, number, number];
  const step = bandRows(c.outShape, c.align);
  const out = takeBuffer(images * oh * ow * co);
  for (let img = 0; img < images; img++) {
    const xBase = img * h * w * ci;
    const outBase = img * oh * ow * co;
    for (let out0 = 0; out0 < oh; out0 += step) {
      const out1 = Math.min(oh, out0 + step);
      const [start, end] = c.inputRows(out0, out1);
      const in0 = Math.max(0, start);
      const in1 = Math.min(h, end);
      const b: Band = { out0, out1, in0, in1, start, end };
      const xView = { data: c.x.data.subarray(xBase + in0 * w * ci, xBase + in1 * w * ci), shape: [1, in1 - in0, w, ci] };
      const outView = { data: out.subarray(outBase + out0 * ow * co, outBase + out1 * ow * co), shape: c.ortOutShape(b) };
      runGraphInto(c.key(b), () => c.build(b), [xView, ...c.shared], [outView]);
    }
  }
  return out;
}
