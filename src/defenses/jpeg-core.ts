/**
 * The lossy half of baseline JPEG (ITU-T T.81) in plain JS: 8-bit RGB → YCbCr (JFIF, full
 * range) → optional 4:2:0 chroma averaging → 8×8 DCT → quantisation with the Annex K tables
 * scaled by the IJG quality formula → dequantisation → IDCT → 8-bit → RGB. The entropy-coding
 * half is lossless and changes no pixel, so this is what re-encoding does to an image; being
 * synchronous it can sit inside a forward pass (sharp's encoder is async only).
 */

const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_TABLE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];

/** IJG quality scaling (1..100) of a base table, entries clamped to 1..255. */
export function scaledTable(base: readonly number[], quality: number): Float64Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return Float64Array.from(base, (t) => Math.min(255, Math.max(1, Math.floor((t * scale + 50) / 100))));
}

// Orthonormal DCT-II basis: C[u*8+x] = c(u)/2 · cos((2x+1)uπ/16).
const C = (() => {
  const c = new Float64Array(64);
  for (let u = 0; u < 8; u++) for (let x = 0; x < 8; x++) c[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return c;
})();

/** Quantises one 8×8 block in place (values level-shifted by −128). */
function codeBlock(b: Float64Array, table: Float64Array, tmp: Float64Array): void {
  // F = C·B·Cᵀ
  for (let u = 0; u < 8; u++) for (let x = 0; x < 8; x++) {
    let s = 0;
    for (let y = 0; y < 8; y++) s += C[u * 8 + y]! * b[y * 8 + x]!;
    tmp[u * 8 + x] = s;
  }
  for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) {
    let s = 0;
    for (let x = 0; x < 8; x++) s += tmp[u * 8 + x]! * C[v * 8 + x]!;
    const q = table[u * 8 + v]!;
    b[u * 8 + v] = Math.round(s / q) * q;
  }
  // B = Cᵀ·F·C
  for (let y = 0; y < 8; y++) for (let v = 0; v < 8; v++) {
    let s = 0;
    for (let u = 0; u < 8; u++) s += C[u * 8 + y]! * b[u * 8 + v]!;
    tmp[y * 8 + v] = s;
  }
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
    let s = 0;
    for (let v = 0; v < 8; v++) s += tmp[y * 8 + v]! * C[v * 8 + x]!;
    b[y * 8 + x] = s;
  }
}

/** Codes one plane (h×w, 0..255); edges are replicated to whole blocks; returns 8-bit-rounded values. */
function codePlane(p: Float64Array, h: number, w: number, table: Float64Array): Float64Array {
  const out = new Float64Array(h * w);
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < h; by += 8) for (let bx = 0; bx < w; bx += 8) {
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      block[y * 8 + x] = p[Math.min(h - 1, by + y) * w + Math.min(w - 1, bx + x)]! - 128;
    }
    codeBlock(block, table, tmp);
    for (let y = 0; y < 8 && by + y < h; y++) for (let x = 0; x < 8 && bx + x < w; x++) {
      out[(by + y) * w + bx + x] = Math.min(255, Math.max(0, Math.round(block[y * 8 + x]! + 128)));
    }
  }
  return out;
}

function halve(p: Float64Array, h: number, w: number): { plane: Float64Array; h: number; w: number } {
  const h2 = Math.ceil(h / 2);
  const w2 = Math.ceil(w / 2);
  const out = new Float64Array(h2 * w2);
  for (let y = 0; y < h2; y++) for (let x = 0; x < w2; x++) {
    const y0 = 2 * y, x0 = 2 * x, y1 = Math.min(h - 1, y0 + 1), x1 = Math.min(w - 1, x0 + 1);
    out[y * w2 + x] = (p[y0 * w + x0]! + p[y0 * w + x1]! + p[y1 * w + x0]! + p[y1 * w + x1]!) / 4;
  }
  return { plane: out, h: h2, w: w2 };
}

export interface JpegOptions {
  quality: number;
  /** 4:2:0 chroma subsampling (libjpeg's and sharp's default) or none (4:4:4). */
  subsample: boolean;
}

/** JPEG round trip of one HWC RGB image in [0,1]; returns a new array on the 8-bit grid. */
export function jpegRoundTrip(rgb: Float32Array | Float64Array, h: number, w: number, opts: JpegOptions): Float32Array {
  const n = h * w;
  const Y = new Float64Array(n), Cb = new Float64Array(n), Cr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.round(Math.min(1, Math.max(0, rgb[3 * i]!)) * 255);
    const g = Math.round(Math.min(1, Math.max(0, rgb[3 * i + 1]!)) * 255);
    const b = Math.round(Math.min(1, Math.max(0, rgb[3 * i + 2]!)) * 255);
    Y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    Cb[i] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
    Cr[i] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
  }
  const lq = scaledTable(LUMA_TABLE, opts.quality);
  const cq = scaledTable(CHROMA_TABLE, opts.quality);
  const y = codePlane(Y, h, w, lq);
  let cb: Float64Array, cr: Float64Array;
  if (opts.subsample) {
    const a = halve(Cb, h, w), b = halve(Cr, h, w);
    const cbs = codePlane(a.plane, a.h, a.w, cq), crs = codePlane(b.plane, b.h, b.w, cq);
    cb = new Float64Array(n);
    cr = new Float64Array(n);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
      const k = (i >> 1) * a.w + (j >> 1);
      cb[i * w + j] = cbs[k]!;
      cr[i * w + j] = crs[k]!;
    }
  } else {
    cb = codePlane(Cb, h, w, cq);
    cr = codePlane(Cr, h, w, cq);
  }
  const out = new Float32Array(3 * n);
  const to01 = (v: number) => Math.min(255, Math.max(0, Math.round(v))) / 255;
  for (let i = 0; i < n; i++) {
    const yy = y[i]!, u = cb[i]! - 128, v = cr[i]! - 128;
    out[3 * i] = to01(yy + 1.402 * v);
    out[3 * i + 1] = to01(yy - 0.344136 * u - 0.714136 * v);
    out[3 * i + 2] = to01(yy + 1.772 * u);
  }
  return out;
}
