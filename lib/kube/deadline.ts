import { setMaxListeners } from "node:events";

/**
 * The run's deadline (`--timeout`, `multinet:verification.timeoutSeconds`): one wall-clock instant
 * for everything the command does, with an AbortSignal that every request, exec stream and
 * credential plugin is handed, so whatever is in flight ends there, not only the next attempt.
 */

/** The reason a request stopped at the run's deadline. */
export class DeadlineError extends Error {}

export class RunDeadline {
  private controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  /** `what`: the setting that set it, for the message. */
  constructor(private instant: number, private readonly what: string) {
    this.arm();
  }

  /** Aborted at the deadline, with a DeadlineError as its reason. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get at(): number {
    return this.instant;
  }

  /** Milliseconds left (0 once passed). */
  get left(): number {
    return Math.max(0, this.instant - Date.now());
  }

  /** Moves the deadline later (the ping's peer gets a minimum time to start); never earlier. */
  extendTo(instant: number): void {
    if (instant <= this.instant || this.signal.aborted) return;
    this.instant = instant;
    this.arm();
  }

  /**
   * A fresh signal for `ms` more, after the deadline passed: for cleaning up (deleting the peer pod
   * this run created), which must not be cut off by the deadline it follows.
   */
  grace(ms: number): void {
    this.controller = new AbortController();
    this.instant = Date.now() + ms;
    this.arm();
  }

  /** Stops the timer: the run is over. */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    // Every request in flight listens to it; Node warns past 10 listeners by default.
    setMaxListeners(0, this.controller.signal);
    // setTimeout holds at most 2^31-1 ms (about 24 days): a deadline further out never fires.
    if (this.left > 2 ** 31 - 1) return;
    const controller = this.controller;
    this.timer = setTimeout(() => controller.abort(new DeadlineError(`stopped at the deadline: ${this.what}`)), this.left);
    this.timer.unref();
  }
}
