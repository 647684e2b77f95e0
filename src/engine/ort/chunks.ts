import type { GraphBuilder } from './onnx.js';
import { runGraphInto, type OrtInput } from './runtime.js';
import { takeBuffer } from './pool.js';
import { thresholds } from './thresholds.js';

/**
 * Row-chunked graph runs. A multi-node elementwise graph (GDN, its gradients) on a
 * full-resolution tensor makes every intermediate a tensor of that size: each node is one pass
 * through memory, and ORT allocates (and glibc maps) each intermediate afresh. Run on row
 * chunks of ~1 MB instead, the intermediates stay in cache and in the reused heap; inputs are
 * views into the caller's arrays and each chunk writes its part of the outputs in place.
 */

/** A graph input: split by rows ([rows, width] per chunk) or passed whole to every chunk. */
export type ChunkInput = { data: Float32Array; width: number } | { data: Float32Array; shape: readonly number[] };

/** A graph output: [rows, width] rows of a pooled full array, or a small sum over all chunks. */
export type ChunkOutput = { width: number } | { sumShape: readonly number[] };

/** Chunk sizes for `rows` rows of `width`: equal chunks of about thresholds.chunkElements. */
export function chunkRows(rows: number, width: number): number {
  const per = Math.max(1, Math.floor(thresholds.chunkElements / width));
  const n = Math.ceil(rows / per);
  return Math.ceil(rows / n);
}

/**
 * Runs `build(p)` (a graph on p-row chunks; inputs and outputs in the order given) over all
 * `rows` rows. Row outputs are pooled arrays of rows·width; sum outputs are Float32Arrays of
 * their shape, accumulated in float64 across chunks. `key` identifies the graph but for p.
 */
export function runRowChunks(
  key: string, rows: number, build: (p: number) => GraphBuilder, inputs: readonly ChunkInput[], outputs: readonly ChunkOutput[],
): Float32Array[] {
  const widths = [...inputs.map((i) => ('width' in i ? i.width : 0)), ...outputs.map((o) => ('width' in o ? o.width : 0))];
  const step = chunkRows(rows, Math.max(1, ...widths));
  const full = outputs.map((o) => ('width' in o ? takeBuffer(rows * o.width) : undefined));
  const sumSize = (o: ChunkOutput): number => ('sumShape' in o ? o.sumShape.reduce((a, b) => a * b, 1) : 0);
  const partial = outputs.map((o) => ('sumShape' in o ? new Float32Array(sumSize(o)) : undefined));
  const sums = outputs.map((o) => ('sumShape' in o ? new Float64Array(sumSize(o)) : undefined));
  for (let r0 = 0; r0 < rows; r0 += step) {
    const p = Math.min(step, rows - r0);
    const ins: OrtInput[] = inputs.map((i) =>
      'width' in i ? { data: i.data.subarray(r0 * i.width, (r0 + p) * i.width), shape: [p, i.width] } : i,
    );
    const outs: OrtInput[] = outputs.map((o, k) =>
      'width' in o ? { data: full[k]!.subarray(r0 * o.width, (r0 + p) * o.width), shape: [p, o.width] } : { data: partial[k]!, shape: o.sumShape },
    );
    runGraphInto(JSON.stringify([key, p]), () => build(p), ins, outs);
    sums.forEach((s, k) => {
      if (!s) return;
      const part = partial[k]!;
      for (let j = 0; j < s.length; j++) s[j] += part[j]!;
    });
  }
  return outputs.map((_, k) => full[k] ?? Float32Array.from(sums[k]!));
}
