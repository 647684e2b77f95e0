/**
 * Classical codec specs: `<name>[@<param>][:<option>]...`, e.g. jpeg@75, jpeg@q75:444,
 * jxl@d1.5, j2k@r40, hevc@qp32:444, avif@50:e3.
 *
 * A bare number is the COMMON quality scale 0..100 (higher = better), mapped monotonically to
 * each codec's native parameter; a prefixed number is the native parameter itself (q = the
 * codec's own quality, d = JPEG XL distance, r = JPEG 2000 compression ratio, psnr = JPEG 2000
 * PSNR target in dB, qp = HEVC/VVC quantiser). For jpeg/webp/avif/jxl the common scale and the
 * native quality coincide.
 */
import { ConfigError } from '../errors.js';
import type { RgbImage } from '../image/types.js';

export interface SpecParam {
  /** '' for the common 0..100 scale, otherwise the native prefix ('q', 'd', 'r', 'psnr', 'qp'). */
  prefix: string;
  value: number;
}

export interface ParsedSpec {
  name: string;
  param?: SpecParam;
  options: string[];
}

const SPEC = /^([a-z0-9]+)(?:@([a-z]*)([0-9]+(?:\.[0-9]+)?))?((?::[a-z0-9]+)*)$/;

/** Splits a spec whose name is already known to be classical; ConfigError on bad syntax. */
export function parseSpec(spec: string): ParsedSpec {
  const m = SPEC.exec(spec.trim().toLowerCase());
  if (!m) {
    throw new ConfigError(`bad classical codec spec "${spec}": expected <codec>[@<quality>][:<option>], e.g. jpeg@75, jxl@d1.5, hevc@qp32:444`);
  }
  const parsed: ParsedSpec = { name: m[1]!, options: m[4] ? m[4].slice(1).split(':') : [] };
  if (m[3] !== undefined) parsed.param = { prefix: m[2]!, value: Number(m[3]) };
  return parsed;
}

/** The codec name part of a spec ("jpeg@75:444" → "jpeg"). */
export function specName(spec: string): string {
  return spec.trim().toLowerCase().split(/[@:]/, 1)[0]!;
}

export function commonQuality(codec: string, value: number): number {
  if (!(value >= 0 && value <= 100)) throw new ConfigError(`${codec}: quality ${value} is outside the common scale 0..100`);
  return value;
}

export function nativeInRange(codec: string, what: string, value: number, lo: number, hi: number, integer = true): number {
  if (!(value >= lo && value <= hi) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`${codec}: ${what} ${value} must be ${integer ? 'an integer ' : ''}in ${lo}..${hi}`);
  }
  return value;
}

export function badPrefix(codec: string, prefix: string, accepted: string): never {
  throw new ConfigError(`${codec}: unknown parameter "${prefix}" (use a bare 0..100 quality${accepted ? ` or ${accepted}` : ''})`);
}

export function badOption(codec: string, option: string, accepted: string): never {
  throw new ConfigError(`${codec}: unknown option ":${option}" (accepted: ${accepted})`);
}

/** Size sanity shared by every compress(). */
export function checkImage(codec: string, img: RgbImage): void {
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
    throw new ConfigError(`${codec}: bad image ${img.width}x${img.height} with ${img.data.length} values (need width*height*3)`);
  }
}

/** Compact number for ids: 1.5 → "1.5", 2 → "2". */
export function fmt(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}
