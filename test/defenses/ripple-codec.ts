import { tf } from '../../src/engine/index.js';
import { BitstreamError } from '../../src/errors.js';
import type { CodecForward, DifferentiableCodec } from '../../src/codec/types.js';
import type { RgbImage } from '../../src/image/types.js';

/**
 * A codec built so that a defence's adaptive gradient is KNOWN to beat the naive one:
 * lossless 8-bit pixels plus a rate term of K·Σ h(v) bits over every value v, with
 *   h(v) = c·v + (A/ω)·sin(ω·v),   ω = 2π·9 (period 1/9), A = 3c, K = 64,
 * so h'(v) = c + A·cos(ω v): the local gradient's sign is a ripple (random across an image)
 * while the trend is upward. Hence:
 * - EOT through Gaussian noise with σ ≫ 1/ω averages the ripple away (factor e^{−ω²σ²/2})
 *   and pushes every value up: the real rate rises; the naive gradient's signs are the ripple's,
 *   half of them down, and the noise scrambles what they were tuned to: no net gain.
 * - BPDA through 2-bit reduction evaluates h' at the levels k/3, where cos(ω k/3) = 1
 *   (h' = c + A > 0): every value is pushed up and those near a rounding boundary climb a
 *   level; at the boundaries (k/3 + 1/6) cos = −1, so the naive gradient (c − A < 0) pushes
 *   exactly those values down a level.
 * Bytes: 8-byte header, the 8-bit values, then round(K·Σh/8) bytes of rate padding.
 */
export class RippleCodec implements DifferentiableCodec {
  readonly id = 'ripple@test';
  readonly kind = 'learned' as const;
  static readonly OMEGA = 2 * Math.PI * 9;
  static readonly C = 1;
  static readonly A = 3;
  static readonly K = 64;

  private static h(v: number): number {
    return RippleCodec.C * v + (RippleCodec.A / RippleCodec.OMEGA) * Math.sin(RippleCodec.OMEGA * v);
  }

  forward(x: tf.Tensor4D): CodecForward {
    return tf.tidy(() => {
      const { C, A, OMEGA, K } = RippleCodec;
      const h = tf.add(tf.mul(x, C), tf.mul(tf.sin(tf.mul(x, OMEGA)), A / OMEGA));
      return { xHat: tf.clone(x), bits: { y: tf.mul(tf.sum(h), K) as tf.Scalar } };
    });
  }

  async compress(img: RgbImage): Promise<Uint8Array> {
    let sum = 0;
    const pixels = new Uint8Array(img.data.length);
    for (let i = 0; i < img.data.length; i++) {
      pixels[i] = Math.round(Math.min(1, Math.max(0, img.data[i]!)) * 255);
      sum += RippleCodec.h(pixels[i]! / 255);
    }
    const pad = Math.max(0, Math.round((RippleCodec.K * sum) / 8));
    const out = new Uint8Array(8 + pixels.length + pad);
    const view = new DataView(out.buffer);
    view.setUint32(0, img.width, true);
    view.setUint32(4, img.height, true);
    out.set(pixels, 8);
    return out;
  }

  async decompress(bytes: Uint8Array): Promise<RgbImage> {
    if (bytes.length < 8) throw new BitstreamError('ripple: truncated');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = view.getUint32(0, true);
    const height = view.getUint32(4, true);
    const n = width * height * 3;
    if (bytes.length < 8 + n) throw new BitstreamError('ripple: truncated');
    return { width, height, data: Float32Array.from(bytes.subarray(8, 8 + n), (v) => v / 255) };
  }
}

/** A mid-grey image with gentle structure, values in [0.2, 0.8] (room for ±ε everywhere). */
export function midImage(width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.round((0.5 + 0.3 * Math.sin(i * 0.37) * Math.cos(i * 0.011)) * 255) / 255;
  return { width, height, data };
}
