// Things started one after another and stopped in reverse order, once, logging (not
// throwing) what fails to stop: how the control plane starts and stops its parts.

export interface CleanupStack {
  push(cleanup: () => Promise<void>): void;
  /** Runs every cleanup, newest first. Idempotent. */
  stop(): Promise<void>;
}

export function cleanupStack(log: (line: string) => void): CleanupStack {
  const cleanups: Array<() => Promise<void>> = [];
  let stopped = false;
  return {
    push: (cleanup) => void cleanups.push(cleanup),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (err) {
          log(`shutdown: ${(err as Error).message}`);
        }
      }
    },
  };
}
