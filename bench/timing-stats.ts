/** Median, best and every sample of a list of timings (seconds), rounded to ms, for bench JSON. */
export const round3 = (v: number): number => Math.round(v * 1000) / 1000;

export function timingStats(seconds: readonly number[]): { median: number; best: number; all: number[] } {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { median: round3(sorted[Math.floor(sorted.length / 2)]!), best: round3(sorted[0]!), all: seconds.map(round3) };
}
