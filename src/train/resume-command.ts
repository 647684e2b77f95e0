/**
 * The command recorded for a resumed run: the original command, then each resume with the step
 * it started from. A resume may change the total step count (and with it any schedule that
 * depends on it), so the original command alone would not reproduce the weights.
 */
export function resumedCommand(original: string, fromStep: number, resume: string | undefined): string {
  if (!resume) return original;
  return `${original} ; resumed at step ${fromStep} with: ${resume}`;
}
