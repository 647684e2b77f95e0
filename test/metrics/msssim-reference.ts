/**
 * Independent float64 reference of pytorch_msssim's SSIM / MS-SSIM, written as plain loops
 * (no TF.js), used only by the tests to check src/metrics against the definition:
 * Gaussian window 11, σ 1.5, valid separable filtering, K = (0.01, 0.03), data range 1;
 * MS-SSIM: relu(cs) at scales 1..4, relu(ssim) at scale 5, 2x2 average pooling with one
 * zero on both ends of an odd side (divisor always 4), per-channel product, mean over channels.
 * Images are HWC interleaved RGB.
 */
type Plane = { h: number; w: number; v: Float64Array };

const WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

function window1d(): number[] {
  const g: number[] = [];
  for (let i = 0; i < 11; i++) g.push(Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / s);
}

function filterValid(p: Plane, g: number[]): Plane {
  const k = g.length;
  const w1 = p.w - k + 1;
  const tmp = new Float64Array(p.h * w1);
  for (let y = 0; y < p.h; y++)
    for (let x = 0; x < w1; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += g[i]! * p.v[y * p.w + x + i]!;
      tmp[y * w1 + x] = s;
    }
  const h1 = p.h - k + 1;
  const out = new Float64Array(h1 * w1);
  for (let y = 0; y < h1; y++)
    for (let x = 0; x < w1; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += g[i]! * tmp[(y + i) * w1 + x]!;
      out[y * w1 + x] = s;
    }
  return { h: h1, w: w1, v: out };
}

function map(a: Plane, b: Plane, f: (x: number, y: number) => number): Plane {
  return { h: a.h, w: a.w, v: a.v.map((x, i) => f(x, b.v[i]!)) };
}

function ssimAndCs(a: Plane, b: Plane): [number, number] {
  const g = window1d();
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  const mu1 = filterValid(a, g);
  const mu2 = filterValid(b, g);
  const s11 = filterValid(map(a, a, (x, y) => x * y), g);
  const s22 = filterValid(map(b, b, (x, y) => x * y), g);
  const s12 = filterValid(map(a, b, (x, y) => x * y), g);
  let ssim = 0;
  let cs = 0;
  const n = mu1.v.length;
  for (let i = 0; i < n; i++) {
    const m1 = mu1.v[i]!;
    const m2 = mu2.v[i]!;
    const v1 = s11.v[i]! - m1 * m1;
    const v2 = s22.v[i]! - m2 * m2;
    const v12 = s12.v[i]! - m1 * m2;
    const csi = (2 * v12 + c2) / (v1 + v2 + c2);
    cs += csi;
    ssim += ((2 * m1 * m2 + c1) / (m1 * m1 + m2 * m2 + c1)) * csi;
  }
  return [ssim / n, cs / n];
}

function pool(p: Plane): Plane {
  const ph = p.h % 2;
  const pw = p.w % 2;
  const h = Math.floor(p.h / 2) + ph;
  const w = Math.floor(p.w / 2) + pw;
  const at = (y: number, x: number) => (y < 0 || x < 0 || y >= p.h || x >= p.w ? 0 : p.v[y * p.w + x]!);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const y0 = 2 * y - ph;
      const x0 = 2 * x - pw;
      out[y * w + x] = (at(y0, x0) + at(y0, x0 + 1) + at(y0 + 1, x0) + at(y0 + 1, x0 + 1)) / 4;
    }
  return { h, w, v: out };
}

function channel(data: Float32Array, w: number, h: number, c: number): Plane {
  const v = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) v[i] = data[i * 3 + c]!;
  return { h, w, v };
}

export function referenceSsim(a: Float32Array, b: Float32Array, w: number, h: number): number {
  let sum = 0;
  for (let c = 0; c < 3; c++) sum += ssimAndCs(channel(a, w, h, c), channel(b, w, h, c))[0];
  return sum / 3;
}

export function referenceMsSsim(a: Float32Array, b: Float32Array, w: number, h: number): number {
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    let x = channel(a, w, h, c);
    let y = channel(b, w, h, c);
    let prod = 1;
    for (let level = 0; level < WEIGHTS.length; level++) {
      const [ssim, cs] = ssimAndCs(x, y);
      const last = level === WEIGHTS.length - 1;
      prod *= Math.max(last ? ssim : cs, 0) ** WEIGHTS[level]!;
      if (!last) {
        x = pool(x);
        y = pool(y);
      }
    }
    sum += prod;
  }
  return sum / 3;
}
