/**
 * Budgets are written as numbers (0.0157) or as fractions of the 8-bit range ("4/255"), the
 * way papers state them. Parsed once, here, so the job key only ever sees the number.
 */
export function parseBudget(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(?:\/\s*([0-9]*\.?[0-9]+))?\s*$/.exec(value);
  if (!m) return undefined;
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (!(den > 0)) return undefined;
  return num / den;
}
