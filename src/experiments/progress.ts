import cliProgress from 'cli-progress';
import type { RunProgress } from './local-runner.js';

/** A stderr progress bar (done/failed/remaining, ETA); silent when stderr is not a terminal. */
export function progressBar(label: string): { update(p: RunProgress): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} |{bar}| {value}/{total} done {done} failed {failed} remaining {remaining} | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const finished = p.done + p.failed;
      if (!started) {
        bar.start(p.total, finished, p);
        started = true;
      } else bar.update(finished, p);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
