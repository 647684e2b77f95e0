/** One tensor of a state dict, in C order (row-major), as CompressAI stores it. */
export interface TensorData {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** State-dict key → tensor, in file order. */
export type StateDict = Map<string, TensorData>;

export function isTensorData(v: unknown): v is TensorData {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as TensorData).shape) &&
    ((v as TensorData).data instanceof Float32Array || (v as TensorData).data instanceof Int32Array)
  );
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
