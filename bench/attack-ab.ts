/**
 * Same-process A/B of the attack step (bench/attack-step.ts's stack): attack steps alternate
 * between the current engine settings (A) and A with some thresholds changed (B), so that both
 * see the same machine. Prints one JSON document with each side's median/best and B/A.
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/attack-ab.ts <key=value>... [--reps 7]
 * e.g. `skipOutputCopy=false` (values parse as JSON, else stay strings).
 */
import { engineInfo, initEngine } from '../src/engine/index.js';
import { thresholds } from '../src/engine/ort/thresholds.js';
import { thresholdArgs } from './threshold-args.js';
import { attackStep } from './hyperprior-stack.js';
import { round3, timingStats } from './timing-stats.js';

const { reps, base, changes } = thresholdArgs(7);
await initEngine({ engine: 'ort' });
const { step } = attackStep();
const sides = { A: base, B: changes };
const times: Record<string, number[]> = { A: [], B: [] };
for (const s of ['A', 'B'] as const) { Object.assign(thresholds, sides[s]); step(); }
for (let r = 0; r < reps; r++) {
  for (const s of (r % 2 ? ['B', 'A'] : ['A', 'B']) as Array<'A' | 'B'>) {
    Object.assign(thresholds, sides[s]);
    const t0 = performance.now();
    step();
    times[s]!.push((performance.now() - t0) / 1000);
  }
}
const A = timingStats(times.A!), B = timingStats(times.B!);
console.log(JSON.stringify({
  date: new Date().toISOString(), threads: engineInfo().threads, mallocSettings: process.env.MALLOC_MMAP_MAX_ === '0', reps,
  A: { settings: base, ...A }, B: { settings: changes, ...B }, medianRatioBoverA: round3(B.median / A.median), bestRatioBoverA: round3(B.best / A.best),
}, null, 1));
