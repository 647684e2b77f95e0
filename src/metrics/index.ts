export type { ImageLike } from './image-like.js';
export * from './psnr.js';
export * from './ssim.js';
export * from './ms-ssim.js';
export * from './perturbation.js';
export * from './bpp.js';
export * from './relative.js';
export * from './stable-sum.js';
