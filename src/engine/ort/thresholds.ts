/**
 * Size thresholds below which a kernel stays in JS (session set-up and marshalling cost more
 * than the work). Mutable so that tests can force every kernel through ORT.
 */
export const thresholds = {
  /** Minimum multiply-adds for convolutions. */
  convMacs: 1 << 20,
  /** Minimum multiply-adds for BatchMatMul. */
  matmulMacs: 1 << 18,
  /** Minimum output (or input, for reductions) elements for elementwise/shape ops. */
  elements: 1 << 15,
  /** Strided input gradients: polyphase stride-1 conv + DepthToSpace, or ORT ConvTranspose. */
  inputGradient: 'polyphase' as 'polyphase' | 'convTranspose',
  /**
   * Convolutions through ORT's blocked-layout (NCHWc) kernels where the channel counts allow;
   * false forces the plain Conv graphs with layout transposes (tests and benches compare both).
   */
  nchwc: true,
  /**
   * Output values per band of banded NHWC forward convolutions (bands.ts); Infinity runs whole
   * tensors (one graph run per conv).
   */
  bandElements: 1 << 20,
  /**
   * Graphs get a sentinel first output that stops onnxruntime-node's binding from copying the
   * outputs it has written into our buffers (runtime.ts runSession).
   */
  skipOutputCopy: true,
  /** ...for runs with at least this many output bytes (the copy of fewer costs less than the sentinel). */
  sentinelBytes: 1 << 18,
  /** Sums over leading axes (bias gradients) in grouped float32 then float64 (shape.ts). */
  groupedSums: true,
  /** Elements per chunk tensor of row-chunked graphs (chunks.ts): ~1 MB stays in cache. */
  chunkElements: 1 << 18,
};
