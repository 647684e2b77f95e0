import type { Codec } from '../codec/types.js';
import type { ParsedSpec } from './spec.js';

/** What the registry knows about one classical codec. */
export interface ClassicalCodecDef {
  name: string;
  /** Other names accepted in specs (e.g. "jpg"). */
  aliases: readonly string[];
  /** External executables needed ([] for the sharp-based codecs). */
  tools: readonly string[];
  /** One line: library/tool, native parameter, what the bytes are. */
  description: string;
  /** Specs of a default RD sweep, low to high quality. */
  defaultSweep: readonly string[];
  /** Builds the codec; throws ConfigError for a bad parameter or option. */
  create(spec: ParsedSpec): Codec;
}
