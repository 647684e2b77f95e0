import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Validates an attack's options once, up front, applying defaults; unknown keys and bad values
 * throw ConfigError naming the attack and the field.
 */
export function parseOptions<T>(attack: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown): T {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new ConfigError(`attack ${attack}: unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`);
  }
  const field = issue.path.length ? issue.path.join('.') : '(options)';
  throw new ConfigError(`attack ${attack}: option '${field}': ${issue.message}`);
}

export const positiveInt = () => z.number().int().positive();
export const positive = () => z.number().positive().finite();

/** The shared gradient-descent options, with an attack's literature defaults. */
export function gradientDescentSchema(d: { steps: number; relStepSize: number; randomStart: boolean; restarts?: number }) {
  return z
    .object({
      steps: positiveInt().default(d.steps),
      relStepSize: positive().default(d.relStepSize),
      stepSize: positive().optional(),
      randomStart: z.boolean().default(d.randomStart),
      restarts: positiveInt().default(d.restarts ?? 1),
    })
    .strict();
}
