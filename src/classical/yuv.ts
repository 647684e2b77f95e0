/**
 * RGB ⇄ planar YCbCr for the video-codec intra paths (HEVC, VVC). Done here rather than in
 * ffmpeg's swscale so both directions are explicit and identical for every tool:
 * - BT.601 full range (JFIF/BPG-style YCbCr: Y, Cb, Cr all 0..255, chroma centred on 128);
 * - 4:2:0 chroma = mean of each 2x2 block (centre-sited), upsampled back bilinearly with the
 *   same siting; odd sizes are padded to even by repeating the last row/column.
 */
import type { RgbImage } from '../image/types.js';

export type ChromaFormat = '420' | '444';

export interface YuvFrame {
  /** Coded (possibly padded) size. */
  width: number;
  height: number;
  format: ChromaFormat;
  /** Planes of 8-bit-scale samples as floats (0..255); Y is width*height, Cb/Cr chroma-sized. */
  y: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

export function chromaSize(width: number, height: number, format: ChromaFormat): { cw: number; ch: number } {
  return format === '420' ? { cw: Math.ceil(width / 2), ch: Math.ceil(height / 2) } : { cw: width, ch: height };
}

/** Coded size: 4:2:0 needs even dimensions. */
export function codedSize(width: number, height: number, format: ChromaFormat): { width: number; height: number } {
  return format === '420' ? { width: width + (width & 1), height: height + (height & 1) } : { width, height };
}

export function rgbToYuv(img: RgbImage, format: ChromaFormat): YuvFrame {
  const { width: W, height: H } = codedSize(img.width, img.height, format);
  const n = W * H;
  const y = new Float32Array(n);
  const cbFull = new Float32Array(n);
  const crFull = new Float32Array(n);
  for (let r = 0; r < H; r++) {
    const sr = Math.min(r, img.height - 1);
    for (let c = 0; c < W; c++) {
      const s = (sr * img.width + Math.min(c, img.width - 1)) * 3;
      // 8-bit levels first: the codec sees exactly the image an attacker can hand over.
      const R = level(img.data[s]!);
      const G = level(img.data[s + 1]!);
      const B = level(img.data[s + 2]!);
      const Y = 0.299 * R + 0.587 * G + 0.114 * B;
      const i = r * W + c;
      y[i] = Y;
      cbFull[i] = 128 + (B - Y) * (0.5 / 0.886);
      crFull[i] = 128 + (R - Y) * (0.5 / 0.701);
    }
  }
  if (format === '444') return { width: W, height: H, format, y, cb: cbFull, cr: crFull };
  return { width: W, height: H, format, y, cb: boxDown(cbFull, W, H), cr: boxDown(crFull, W, H) };
}

/** Frame → RGB image cropped to width x height (≤ the coded size). */
export function yuvToRgb(f: YuvFrame, width: number, height: number): RgbImage {
  const cb = f.format === '420' ? bilinearUp(f.cb, f.width, f.height) : f.cb;
  const cr = f.format === '420' ? bilinearUp(f.cr, f.width, f.height) : f.cr;
  const data = new Float32Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * f.width + c;
      const Y = f.y[i]!;
      const u = cb[i]! - 128;
      const v = cr[i]! - 128;
      const o = (r * width + c) * 3;
      data[o] = clamp8(Y + 1.402 * v) / 255;
      data[o + 1] = clamp8(Y - (0.114 * 1.772 / 0.587) * u - (0.299 * 1.402 / 0.587) * v) / 255;
      data[o + 2] = clamp8(Y + 1.772 * u) / 255;
    }
  }
  return { width, height, data };
}

/** Planar 8-bit bytes (I444 / I420 layout) with samples rounded and clamped. */
export function yuvToBytes(f: YuvFrame): Buffer {
  const out = Buffer.alloc(f.y.length + f.cb.length + f.cr.length);
  let o = 0;
  for (const plane of [f.y, f.cb, f.cr]) for (let i = 0; i < plane.length; i++) out[o++] = clamp8(plane[i]!);
  return out;
}

function boxDown(p: Float32Array, W: number, H: number): Float32Array {
  const cw = W / 2;
  const ch = H / 2;
  const out = new Float32Array(cw * ch);
  for (let r = 0; r < ch; r++) {
    for (let c = 0; c < cw; c++) {
      const i = 2 * r * W + 2 * c;
      out[r * cw + c] = (p[i]! + p[i + 1]! + p[i + W]! + p[i + W + 1]!) / 4;
    }
  }
  return out;
}

function bilinearUp(p: Float32Array, W: number, H: number): Float32Array {
  const cw = W / 2;
  const ch = H / 2;
  const out = new Float32Array(W * H);
  for (let r = 0; r < H; r++) {
    // Chroma sample k sits at the centre of luma rows 2k, 2k+1.
    const fy = Math.min(Math.max((r + 0.5) / 2 - 0.5, 0), ch - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, ch - 1);
    const wy = fy - y0;
    for (let c = 0; c < W; c++) {
      const fx = Math.min(Math.max((c + 0.5) / 2 - 0.5, 0), cw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, cw - 1);
      const wx = fx - x0;
      const top = p[y0 * cw + x0]! * (1 - wx) + p[y0 * cw + x1]! * wx;
      const bot = p[y1 * cw + x0]! * (1 - wx) + p[y1 * cw + x1]! * wx;
      out[r * W + c] = top * (1 - wy) + bot * wy;
    }
  }
  return out;
}

function level(v: number): number {
  return v > 0 ? (v < 1 ? Math.floor(v * 255 + 0.5) : 255) : 0;
}

function clamp8(v: number): number {
  const r = Math.round(v);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
