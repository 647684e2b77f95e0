/**
 * Entry of a forked worker process: runs jobs the parent sends, one at a time, and reports back.
 * When the parent goes away (killed, even with SIGKILL) the IPC channel closes and this process
 * exits, so no orphan keeps computing.
 */
import { runJob } from './job-runner.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const send = (msg: FromWorker) => {
  if (process.connected) process.send!(msg);
};
const abort = new AbortController();

process.on('message', (msg: ToWorker) => {
  if (msg.type !== 'run') return;
  runJob(msg.job, { outDir: msg.outDir, signal: abort.signal, attempt: msg.attempt }).then(
    (result) => send({ type: 'done', id: msg.id, result }),
    (err: unknown) => send({ type: 'failed', id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
// Ctrl-C in a terminal signals the whole process group: the parent decides (finish within the
// grace period, or SIGKILL), so a worker does not die mid-job on its own.
process.on('SIGINT', () => undefined);
process.on('disconnect', () => {
  abort.abort();
  process.exit(0);
});
send({ type: 'ready', pid: process.pid });
