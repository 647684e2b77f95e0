import cliProgress from 'cli-progress';

export interface ProgressFields {
  loss: number;
  bpp: number;
  psnr: number;
}

/** What the trainer reports to; the CLI shows a bar, tests and benchmarks pass nothing. */
export interface TrainProgress {
  start(total: number, done: number): void;
  update(done: number, f: ProgressFields): void;
  log(message: string): void;
  stop(): void;
}

/** A cli-progress bar on stderr: step count, loss / bpp / PSNR of the last logged step, rate, ETA. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): TrainProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'train |{bar}| {value}/{total} | loss {loss} | bpp {bpp} | PSNR {psnr} dB | {rate} step/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 2,
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 30_000,
    },
    cliProgress.Presets.shades_classic,
  );
  let t0 = 0;
  let s0 = 0;
  return {
    start(total, done) {
      t0 = performance.now();
      s0 = done;
      bar.start(total, done, { loss: '-', bpp: '-', psnr: '-', rate: '-' });
    },
    update(done, f) {
      const rate = (done - s0) / ((performance.now() - t0) / 1000);
      bar.update(done, { loss: f.loss.toFixed(4), bpp: f.bpp.toFixed(3), psnr: f.psnr.toFixed(2), rate: rate.toFixed(2) });
    },
    log(message) {
      // Clear the bar's line first so the message is not interleaved with it.
      if (stream.isTTY) stream.write('\r\x1b[K');
      stream.write(message + '\n');
    },
    stop() {
      bar.stop();
    },
  };
}

export const silentProgress: TrainProgress = { start() {}, update() {}, log() {}, stop() {} };
