export type { RgbImage } from './types.js';
export * from './read.js';
export * from './write.js';
export * from './convert.js';
export * from './tensor.js';
export * from './pad.js';
export * from './ycbcr.js';
