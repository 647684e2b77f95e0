import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';

test('advlic selfcheck --json reports the engine, threads, GFLOP/s and a correct checksum', async () => {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // The test runner itself writes binary frames to stdout; keep only our text output.
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) =>
    typeof s === 'string' ? (chunks.push(s), true) : (write as (...a: unknown[]) => boolean)(s, ...rest)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(['--json', 'selfcheck', '--reps', '1']);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(code, 0);
  const r = JSON.parse(chunks.join('')) as { engine: string; threads: number; conv: { gflops: number }; checksum: number };
  assert.ok(r.engine === 'ort' || r.engine === 'cpu');
  assert.ok(r.threads >= 1);
  assert.ok(r.conv.gflops > 0);
  // 14x14 outputs x 2 channels, each a sum of 3*3*4 ones.
  assert.equal(r.checksum, 14 * 14 * 2 * 36);
});
