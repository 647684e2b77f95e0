/** Classical codecs behind the Codec interface: JPEG, WebP, AVIF, JPEG XL, JPEG 2000, HEVC and VVC intra. */
export { CLASSICAL_CODECS, classicalCodecDef, classicalCodecFromSpec, listClassicalCodecs, type ClassicalCodecStatus } from './registry.js';
export type { ClassicalCodecDef, NativeParam } from './definition.js';
export { matchQualityToBpp, type MatchedQuality, type MatchOptions } from './matched-quality.js';
export { JpegCodec, type JpegOptions } from './jpeg.js';
export { WebpCodec } from './webp.js';
export { AvifCodec, type AvifOptions } from './avif.js';
export { JxlCodec, jxlDistanceFromQuality, type JxlOptions } from './jxl.js';
export { J2kCodec, j2kPsnrFromQuality, type J2kTarget } from './j2k.js';
export { HevcCodec, qpFromQuality, type HevcOptions } from './hevc.js';
export { VvcCodec, type VvcOptions } from './vvc.js';
export { parseSpec, type ParsedSpec } from './spec.js';
