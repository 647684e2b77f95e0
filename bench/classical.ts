/**
 * Classical codecs on Kodak: encode and decode wall time per image (one call each, tools run
 * as child processes, so times include process start-up and temp-file I/O), real bpp and
 * RGB PSNR, at one mid-quality spec per codec. Unavailable codecs are listed with the reason.
 * Usage: node --import tsx bench/classical.ts [images=24] [spec,spec,...]
 *   default specs: jpeg@75 webp@75 avif@50 jxl@90 j2k@50 hevc@qp32 vvc@qp32
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { classicalCodecFromSpec, listClassicalCodecs } from '../src/classical/registry.js';
import { readImage } from '../src/image/read.js';
import { bppFromBytes } from '../src/metrics/bpp.js';
import { psnr } from '../src/metrics/psnr.js';

const KODAK = '/work/shared/data/kodak';
const nImages = Number(process.argv[2] ?? 24);
const specs = (process.argv[3] ?? 'jpeg@75,webp@75,avif@50,jxl@90,j2k@50,hevc@qp32,vvc@qp32').split(',');

const files = readdirSync(KODAK).filter((f) => /^kodim\d+\.png$/.test(f)).sort().slice(0, nImages);
const images = await Promise.all(files.map((f) => readImage(join(KODAK, f))));
const status = new Map((await listClassicalCodecs()).map((s) => [s.name, s]));

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

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
