/**
 * Rate–distortion curves as CompressAI's eval reports them: each setting (a learned model, a
 * classical quality) is run on every image, and the curve point is the mean real bpp and the
 * mean PSNR over the images. BD-rate / BD-PSNR of every curve against an anchor (JPEG).
 */
import { basename } from 'node:path';
import { AdvlicError } from '../errors.js';
import type { RgbImage } from '../image/types.js';
import type { Codec } from '../codec/types.js';
import { LearnedCodec } from '../codec/learned-codec.js';
import { evaluateCodecOnImage, meanResults } from '../codec/evaluate-codec.js';
import { bdPsnr, bdRate } from '../metrics/bd.js';

export interface RdSetting {
  /** Curve it belongs to, e.g. "jpeg", "bmshj2018-hyperprior". */
  curve: string;
  kind: 'learned' | 'classical';
  /** What opens the codec: "jpeg@q50", "bmshj2018-hyperprior@3", a weights file. */
  spec: string;
}

export interface RdPointResult {
  curve: string;
  kind: 'learned' | 'classical';
  spec: string;
  codec: string;
  images: number;
  bpp: number;
  psnr: number | null;
  msSsim: number | null;
  /** Learned codecs: mean estimated bpp of the 'round' forward. */
  bppEstimated: number | null;
  encodeMs: number | null;
  decodeMs: number | null;
  /** Learned codecs: hex sha256 of the weights measured, so a result can be tied to its file. */
  weightsSha256?: string;
}

export interface RdBd {
  curve: string;
  anchor: string;
  /** Percent; negative = fewer bits than the anchor at equal PSNR. null when not computable (see note). */
  bdRate: number | null;
  bdPsnr: number | null;
  note?: string;
}

export interface RdResult {
  images: string[];
  points: RdPointResult[];
  bd: RdBd[];
}

export interface RunRdOptions {
  open(spec: string): Promise<Codec>;
  anchor: string;
  log?(message: string): void;
}

export async function runRd(settings: readonly RdSetting[], images: ReadonlyArray<{ file: string; img: RgbImage }>, o: RunRdOptions): Promise<RdResult> {
  const points: RdPointResult[] = [];
  for (const s of settings) {
    const codec = await o.open(s.spec);
    try {
      const rows = [];
      for (const { file, img } of images) rows.push(await evaluateCodecOnImage(codec, img, file));
      const m = meanResults(codec.id, rows);
      if (m.bppReal === null) throw new AdvlicError('E_CODEC', `${s.spec}: no real bitrate measured`);
      const allMs = rows.every((r) => r.msSsim !== null);
      const weightsSha256 = codec instanceof LearnedCodec ? codec.weightsHash : undefined;
      points.push({
        curve: s.curve,
        kind: s.kind,
        spec: s.spec,
        codec: codec.id,
        images: rows.length,
        bpp: m.bppReal,
        psnr: rows.every((r) => r.psnr !== null) ? m.psnr : null,
        msSsim: allMs ? m.msSsim : null,
        bppEstimated: m.bppEstimated,
        encodeMs: m.encodeMs,
        decodeMs: m.decodeMs,
        ...(weightsSha256 ? { weightsSha256 } : {}),
      });
      o.log?.(`advlic: rd ${codec.id}: ${m.bppReal.toFixed(4)} bpp, ${m.psnr?.toFixed(2) ?? '∞'} dB over ${rows.length} image(s)`);
    } finally {
      codec.dispose?.();
    }
  }
  return { images: images.map((i) => basename(i.file)), points, bd: bdAgainst(points, o.anchor) };
}

function bdAgainst(points: readonly RdPointResult[], anchor: string): RdBd[] {
  const curveOf = (name: string) =>
    points.filter((p) => p.curve === name && p.psnr !== null).map((p) => ({ bpp: p.bpp, psnr: p.psnr! })).sort((a, b) => a.bpp - b.bpp);
  const anchorPts = curveOf(anchor);
  const out: RdBd[] = [];
  for (const curve of [...new Set(points.map((p) => p.curve))]) {
    if (curve === anchor) continue;
    const test = curveOf(curve);
    try {
      out.push({ curve, anchor, bdRate: bdRate(anchorPts, test), bdPsnr: bdPsnr(anchorPts, test) });
    } catch (e) {
      if (!AdvlicError.is(e)) throw e;
      out.push({ curve, anchor, bdRate: null, bdPsnr: null, note: e.message });
    }
  }
  return out;
}
