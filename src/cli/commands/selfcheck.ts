import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { initEngine, tf } from '../../engine/index.js';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('selfcheck')
    .description('load the tensor engine, run a small conv and print the engine in use')
    .action(async () => {
      const c = ctx();
      const { name } = await initEngine({ engine: c.engine });
      const t0 = performance.now();
      const y = tf.tidy(() => tf.conv2d(tf.ones([1, 64, 64, 8]) as tf.Tensor4D, tf.ones([3, 3, 8, 8]) as tf.Tensor4D, 1, 'same'));
      const sum = (await y.sum().data())[0];
      y.dispose();
      c.print({ engine: name, convSum: sum, ms: performance.now() - t0 }, () => `engine: ${name}`);
    });
}
