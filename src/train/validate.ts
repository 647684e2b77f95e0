import { tf } from '../engine/index.js';
import { cropTo, imageToTensor, padTo, readImage, type RgbImage } from '../image/index.js';
import { bitsFromLikelihoods } from '../metrics/bpp.js';
import { msSsimValue } from '../metrics/ms-ssim.js';
import { psnr } from '../metrics/psnr.js';
import type { LearnedModel } from '../models/types.js';
import { listImages, type ImageFolderRole } from './image-folder.js';
import type { DistortionMetric } from './rd-loss.js';

/** Means over the validation images. */
export interface ValidationResult {
  /** λ·D + estimated bpp, D from the 'round' forward (what a plateau schedule watches). */
  loss: number;
  /** PSNR of the decoded real bitstream (8-bit rounded, peak 1). */
  psnr: number;
  /** Real bits per pixel: latent string bytes × 8 / pixels (CompressAI eval_model's count). */
  bppReal: number;
  /** Estimated bpp from the likelihoods of all latents. */
  bppEst: number;
  /** MS-SSIM of the decoded images; NaN when an image is too small (≤ 160 px side). */
  msssim: number;
  images: number;
}

/** Loads the first `count` images of a folder (sorted), centre-cropped to `crop` when > 0. */
export async function loadValidationImages(
  dir: string,
  count: number,
  crop: number,
  role: ImageFolderRole = { what: 'validation image', flag: '--val-data' },
): Promise<RgbImage[]> {
  const files = (await listImages(dir, role)).slice(0, count);
  const out: RgbImage[] = [];
  for (const f of files) {
    const img = await readImage(f, { warn: () => {} });
    out.push(crop > 0 && (img.width > crop || img.height > crop) ? centreCrop(img, crop) : img);
  }
  return out;
}

function centreCrop(img: RgbImage, size: number): RgbImage {
  const w = Math.min(size, img.width);
  const h = Math.min(size, img.height);
  const left = Math.floor((img.width - w) / 2);
  const top = Math.floor((img.height - h) / 2);
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(src, src + w * 3), y * w * 3);
  }
  return { width: w, height: h, data };
}

/**
 * Evaluates with REAL bitstreams: update() the CDF tables (force: the weights moved since the
 * last time), then per image compress → bytes → decompress and measure, plus a 'round' forward
 * for the estimated rate and the validation loss. Images are padded to the model's alignment
 * and the reconstruction cropped back, as CompressAI's eval_model does.
 */
export function validate(model: LearnedModel, images: readonly RgbImage[], lambda: number, metric: DistortionMetric): ValidationResult {
  model.update(true);
  const sums = { loss: 0, psnr: 0, bppReal: 0, bppEst: 0, msssim: 0 };
  for (const img of images) {
    const pixels = img.width * img.height;
    const r = tf.tidy(() => {
      const x = imageToTensor(img);
      const { padded } = padTo(x, model.alignment);
      const out = model.forward(padded, 'round');
      const estBits = bitsFromLikelihoods(Object.values(out.likelihoods)).dataSync()[0]!;
      const xHatEst = tf.clipByValue(cropTo(out.xHat, img.height, img.width), 0, 1) as tf.Tensor4D;
      const estMse = tf.mean(tf.squaredDifference(xHatEst, x)).dataSync()[0]!;
      const estMsssim = metric === 'ms-ssim' ? msSsimValue(xHatEst, x) : NaN;
      const compressed = model.compress(padded);
      const bytes = compressed.strings.reduce((n, s) => n + s.length, 0);
      const decoded = cropTo(model.decompress(compressed), img.height, img.width);
      const msssim = Math.min(img.width, img.height) > 160 ? msSsimValue(decoded, x) : NaN;
      return { estBits, estMse, estMsssim, bytes, psnr: psnr(decoded, x), msssim };
    });
    const bppEst = r.estBits / pixels;
    const distortion = metric === 'ms-ssim' ? 1 - r.estMsssim : 255 * 255 * r.estMse;
    sums.loss += lambda * distortion + bppEst;
    sums.psnr += r.psnr;
    sums.bppReal += (r.bytes * 8) / pixels;
    sums.bppEst += bppEst;
    sums.msssim += r.msssim;
  }
  const n = images.length;
  return {
    loss: sums.loss / n,
    psnr: sums.psnr / n,
    bppReal: sums.bppReal / n,
    bppEst: sums.bppEst / n,
    msssim: sums.msssim / n,
    images: n,
  };
}
