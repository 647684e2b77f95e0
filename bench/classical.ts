/**
 * Classical codecs on Kodak: encode and decode wall time per image (one call each, tools run
 * as child processes, so times include process start-up and temp-file I/O), real bpp and
 * RGB PSNR, at one mid-quality spec per codec. Unavailable codecs are listed with the reason.
 * Usage: node --import tsx bench/classical.ts [images=24] [spec,spec,...]
 *   default specs: jpeg@75 webp@75 avif@50 jxl@90 j2k@50 hevc@qp32 vvc@qp32
 * RD mode: node --import tsx bench/classical.ts rd [images=3] [codec,codec,...]
 *   every available codec's default sweep on the first N Kodak images: mean bpp and mean PSNR
 *   per setting, and BD-rate / BD-PSNR against the JPEG (4:2:0) curve.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { classicalCodecFromSpec, listClassicalCodecs } from '../src/classical/registry.js';
import { readImage } from '../src/image/read.js';
import { bdPsnr, bdRate, type RdPoint } from '../src/metrics/bd.js';
import { bppFromBytes } from '../src/metrics/bpp.js';
import { psnr } from '../src/metrics/psnr.js';
import { SHARED_DIR } from '../src/shared-data.js';

const KODAK = `${SHARED_DIR}/data/kodak`;
const rdMode = process.argv[2] === 'rd';
const argv = rdMode ? process.argv.slice(1) : process.argv;
const nImages = Number(argv[2] ?? (rdMode ? 3 : 24));
const specs = (argv[3] ?? 'jpeg@75,webp@75,avif@50,jxl@90,j2k@50,hevc@qp32,vvc@qp32').split(',');

const files = readdirSync(KODAK).filter((f) => /^kodim\d+\.png$/.test(f)).sort().slice(0, nImages);
const images = await Promise.all(files.map((f) => readImage(join(KODAK, f))));
const status = new Map((await listClassicalCodecs()).map((s) => [s.name, s]));

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

if (rdMode) {
  const wanted = argv[3]?.split(',');
  const curves: Record<string, RdPoint[]> = {};
  const rows: unknown[] = [];
  for (const st of status.values()) {
    if (wanted && !wanted.includes(st.name)) continue;
    if (!st.available) {
      rows.push({ codec: st.name, available: false, reason: st.reason });
      continue;
    }
    const curve: Array<RdPoint & { id: string }> = [];
    for (const spec of st.defaultSweep) {
      const codec = (await classicalCodecFromSpec(spec))!;
      const bpp: number[] = [];
      const db: number[] = [];
      for (const img of images) {
        const bytes = await codec.compress(img);
        bpp.push(bppFromBytes(bytes, img.width, img.height));
        db.push(psnr(img, await codec.decompress(bytes)));
      }
      curve.push({ id: codec.id, bpp: r3(mean(bpp)), psnr: r3(mean(db)) });
    }
    curves[st.name] = curve;
    rows.push({ codec: st.name, available: true, curve });
    process.stderr.write(`${st.name}: done\n`);
  }
  const anchor = curves.jpeg;
  for (const row of rows as Array<{ codec: string; available: boolean; bdRateVsJpeg?: number | null; bdPsnrVsJpeg?: number | null }>) {
    if (!row.available || !anchor) continue;
    const c = curves[row.codec]!;
    try {
      row.bdRateVsJpeg = r3(bdRate(anchor, c));
      row.bdPsnrVsJpeg = r3(bdPsnr(anchor, c));
    } catch {
      row.bdRateVsJpeg = null; // curves do not overlap
      row.bdPsnrVsJpeg = null;
    }
  }
  console.log(JSON.stringify({ bench: 'classical-rd', kodak: files.length, anchor: 'jpeg (4:2:0)', results: rows }, null, 2));
  process.exit(0);
}

const results: unknown[] = [];
for (const spec of specs) {
  const codec = (await classicalCodecFromSpec(spec))!;
  const name = spec.split('@')[0]!;
  const st = [...status.values()].find((s) => codec.id.startsWith(`${s.name}@`)) ?? status.get(name);
  if (st && !st.available) {
    results.push({ spec, id: codec.id, available: false, reason: st.reason });
    continue;
  }
  const enc: number[] = [];
  const dec: number[] = [];
  const bpp: number[] = [];
  const db: number[] = [];
  for (const img of images) {
    const t0 = performance.now();
    const bytes = await codec.compress(img);
    const t1 = performance.now();
    const back = await codec.decompress(bytes);
    const t2 = performance.now();
    enc.push(t1 - t0);
    dec.push(t2 - t1);
    bpp.push(bppFromBytes(bytes, img.width, img.height));
    db.push(psnr(img, back));
  }
  results.push({
    spec,
    id: codec.id,
    available: true,
    images: images.length,
    encodeMs: { mean: r3(mean(enc)), median: r3(median(enc)), max: r3(Math.max(...enc)) },
    decodeMs: { mean: r3(mean(dec)), median: r3(median(dec)), max: r3(Math.max(...dec)) },
    bpp: r3(mean(bpp)),
    psnr: r3(mean(db)),
  });
  process.stderr.write(`${codec.id}: done\n`);
}
console.log(JSON.stringify({ bench: 'classical', kodak: files.length, cores: (await import('node:os')).cpus().length, results }, null, 2));
