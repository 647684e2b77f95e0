/**
 * An RGB image as the library passes it around outside of tensors: interleaved HWC, float32
 * in [0,1]. 8-bit only at the edges (file I/O, "what an attacker can hand over").
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** length = width * height * 3, row-major, RGB interleaved, values in [0,1]. */
  readonly data: Float32Array;
}
