/**
 * Attack effect measures of DESIGN §6, both against the original image.
 *
 * Relative PSNR drop = (PSNR_clean − PSNR_attacked) / PSNR_clean. A lossless clean
 * reconstruction (PSNR_clean = Infinity) gives 1 if the attacked one is finite, 0 if it too is
 * lossless.
 */
export function relativePsnrDrop(psnrClean: number, psnrAttacked: number): number {
  if (psnrClean === Infinity) return psnrAttacked === Infinity ? 0 : 1;
  return (psnrClean - psnrAttacked) / psnrClean;
}

/** bpp ratio = bpp_attacked / bpp_clean (Infinity when bpp_clean is 0 and attacked is not; NaN if both are 0). */
export function bppRatio(bppClean: number, bppAttacked: number): number {
  return bppAttacked / bppClean;
}
