import type { Codec } from '../codec/types.js';
import type { ParsedSpec } from './spec.js';

/** What the registry knows about one classical codec. */
export interface ClassicalCodecDef {
  name: string;
  /** Other names accepted in specs (e.g. "jpg"). */
  aliases: readonly string[];
  /** External executables needed ([] for the sharp-based codecs). */
  tools: readonly string[];
  /** How to get the external tools, shown when they are missing (absent for the sharp-based codecs). */
  installHint?: string;
  /** One line: library/tool, native parameter, what the bytes are. */
  description: string;
  /** Specs of a default RD sweep, low to high quality. */
  defaultSweep: readonly string[];
  /** The native parameter's range, for searches such as matched-quality.ts. */
  native: NativeParam;
  /** Builds the codec; throws ConfigError for a bad parameter or option. */
  create(spec: ParsedSpec): Codec;
}

export interface NativeParam {
  /** Spec prefix, e.g. 'q', 'd', 'psnr', 'qp'. */
  prefix: string;
  min: number;
  max: number;
  integer: boolean;
  /** True when a larger value spends more bits (jpeg q), false when fewer (hevc qp, jxl d). */
  increasing: boolean;
  /** Search on a log scale (distances, ratios). */
  log?: boolean;
}
