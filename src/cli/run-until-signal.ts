// How every long-running k8ts command ends: it runs until SIGINT (Ctrl-C) or SIGTERM, then
// stops what it started and exits 0 (1 if stopping failed). A second signal exits at once.

export interface Stoppable {
  stop(): Promise<void>;
}

/** Resolves with the exit code once `running` has stopped after a signal. */
export function runUntilSignal(running: Stoppable, log: (line: string) => void, describeFailure: (err: unknown) => string = String): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      log(`${signal}: shutting down`);
      running.stop().then(
        () => {
          log('stopped');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(0);
        },
        (err) => {
          log(`shutdown failed: ${describeFailure(err)}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
