/**
 * GDN arithmetic for the layers: y = x · rsqrt(β + γ·x²) (inverse: · sqrt). The engine's
 * version is one fused ONNX Runtime graph per direction on the 'ort' backend and the plain
 * tf ops elsewhere, with the signature gdn(x NHWC, beta [C], gamma [Cout, Cin], inverse).
 */
export { gdn } from '../../engine/ops/gdn.js';
