/**
 * Same-process A/B of the attack step (bench/attack-step.ts's stack): attack steps alternate
 * between the current engine settings (A) and A with some thresholds changed (B), so that both
 * see the same machine. Prints one JSON document with each side's median/best and B/A.
 *   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 node --import tsx bench/attack-ab.ts <key=value>... [--reps 7]
 * e.g. `skipOutputCopy=false` (values parse as JSON, else stay strings).
 */
import { engineInfo, initEngine, tf } from '../src/engine/index.js';
import { gdn } from '../src/engine/ops/gdn.js';
import { thresholds } from '../src/engine/ort/thresholds.js';
import { thresholdArgs } from './threshold-args.js';
import { attackLoss, makeStack } from './hyperprior-stack.js';

const { reps, base, changes } = thresholdArgs(7);
await initEngine({ engine: 'ort' });
const stack = makeStack();
const x = tf.randomUniform([1, 512, 768, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
const grad = tf.grad((t: tf.Tensor) => attackLoss(stack, t as tf.Tensor4D, gdn));
const sides = { A: base, B: changes };
const times: Record<string, number[]> = { A: [], B: [] };
for (const s of ['A', 'B'] as const) { Object.assign(thresholds, sides[s]); tf.tidy(() => grad(x)).dispose(); }
for (let r = 0; r < reps; r++) {
  for (const s of (r % 2 ? ['B', 'A'] : ['A', 'B']) as Array<'A' | 'B'>) {
    Object.assign(thresholds, sides[s]);
    const t0 = performance.now();
    tf.tidy(() => grad(x)).dispose();
    times[s]!.push((performance.now() - t0) / 1000);
  }
}
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const stat = (v: number[]) => { const s = [...v].sort((p, q) => p - q); return { median: round(s[Math.floor(s.length / 2)]!), best: round(s[0]!), all: v.map((t) => round(t)) }; };
const A = stat(times.A!), B = stat(times.B!);
console.log(JSON.stringify({
  date: new Date().toISOString(), threads: engineInfo().threads, mallocSettings: process.env.MALLOC_MMAP_MAX_ === '0', reps,
  A: { settings: base, ...A }, B: { settings: changes, ...B }, medianRatioBoverA: round(B.median / A.median), bestRatioBoverA: round(B.best / A.best),
}, null, 1));
