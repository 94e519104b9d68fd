/** Exit codes of a process stopped by a signal, as shells report them (128 + signal number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface StopSignals {
  /** The first SIGINT/SIGTERM received since watching began, or null. */
  readonly received: StopSignal | null;
  /** Restores the default handling (the process dies on the signal). */
  dispose(): void;
}

/**
 * While training runs, SIGINT (Ctrl-C) and SIGTERM ask the loop to stop after the step in progress,
 * which then saves a checkpoint. A second signal quits at once without saving: checkpoint files are
 * written temp-then-rename with the meta file last, so a save cut short leaves the previous one intact.
 */
export function watchStopSignals(): StopSignals {
  let received: StopSignal | null = null;
  const onSignal = (signal: StopSignal): void => {
    if (received !== null) {
      process.stderr.write(`capplan: ${signal} again: quitting without a new checkpoint (the last one saved is kept)\n`);
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    received = signal;
    process.stderr.write(`capplan: ${signal}: stopping after the current step to save a checkpoint (send it again to quit without saving)\n`);
  };
  const signals = Object.keys(SIGNAL_EXIT_CODES) as StopSignal[];
  for (const s of signals) process.on(s, onSignal);
  return {
    get received() {
      return received;
    },
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}
