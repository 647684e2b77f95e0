import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { engineInfo, initEngine, tf } from '../../engine/index.js';

interface SelfcheckResult {
  engine: string;
  threads: number;
  conv: { shape: string; gflops: number; ms: number };
  /** Sum of a conv of ones by ones: a fixed number, proving the kernel computes. */
  checksum: number;
}

/** 5x5 stride-2 conv, 64→64 channels on 1x128x128: ~0.4 GFLOP, well under a second on ORT. */
function convBench(reps: number): SelfcheckResult['conv'] {
  const x = tf.randomUniform([1, 128, 128, 64], -1, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform([5, 5, 64, 64], -0.1, 0.1, 'float32', 2) as tf.Tensor4D;
  const flops = 2 * 64 * 64 * 64 * 64 * 25;
  tf.conv2d(x, w, 2, 'same').dispose(); // warm-up (session creation)
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tf.conv2d(x, w, 2, 'same').dispose();
    best = Math.min(best, performance.now() - t0);
  }
  tf.dispose([x, w]);
  return { shape: '1x128x128x64, 5x5, stride 2, 64->64', gflops: Math.round(flops / best / 1e6) / 1e3, ms: Math.round(best * 10) / 10 };
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('selfcheck')
    .description('load the tensor engine, time a conv and print the engine in use, threads and GFLOP/s')
    .option('--reps <n>', 'timed conv repetitions (best is reported)', '3')
    .action(async (opts: { reps: string }) => {
      const c = ctx();
      const { name } = await initEngine({ engine: c.engine });
      const reps = Math.max(1, Math.min(100, Number.parseInt(opts.reps, 10) || 3));
      const checksum = tf.tidy(() =>
        tf.conv2d(tf.ones([1, 16, 16, 4]) as tf.Tensor4D, tf.ones([3, 3, 4, 2]) as tf.Tensor4D, 1, 'valid').sum().dataSync()[0],
      );
      const result: SelfcheckResult = { engine: name, threads: engineInfo().threads, conv: convBench(name === 'ort' ? reps : 1), checksum };
      c.print(result, () =>
        `engine: ${result.engine} (threads ${result.threads})\nconv ${result.conv.shape}: ${result.conv.gflops} GFLOP/s (${result.conv.ms} ms)\nchecksum: ${checksum} (expected 7056)`,
      );
    });
}
