/**
 * The R-D cost every defence report uses, in the units of CompressAI's MSE training loss:
 *   J = bpp + λ · 255² · MSE
 * bpp from real bytes (bytes × 8 / pixels), MSE on the [0,1] scale of the 8-bit-rounded
 * decoded image against the ORIGINAL image, λ the model's training λ.
 */
export function rdCost(bytes: number, pixels: number, mse: number, lambda: number): number {
  return (bytes * 8) / pixels + lambda * 255 * 255 * mse;
}

/** MSE of b (rounded to 8 bits, clamped) against a, on the [0,1] scale. */
export function mse8(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.round(Math.min(1, Math.max(0, b[i]!)) * 255) / 255;
    s += (v - a[i]!) ** 2;
  }
  return s / a.length;
}
