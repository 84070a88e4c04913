/**
 * Teardown that does not stop at the first error: every step is attempted, the errors are
 * collected and thrown together at the end, and an error that started the teardown (a failed
 * build, a failed ADD) stays the one that is thrown, with the cleanup errors attached to it.
 */

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Nested AggregateErrors (a pod's teardown inside the lab's) reported as their parts. */
function flatten(errors: readonly unknown[]): unknown[] {
  return errors.flatMap((error) => (error instanceof AggregateError ? flatten(error.errors) : [error]));
}

/** Runs `step` for every item, even after some failed; returns the errors, in order. */
export function attemptEach<T>(items: Iterable<T>, step: (item: T) => void): unknown[] {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      step(item);
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

/** Runs one step; returns its error, if any, as a list (to concatenate with attemptEach's). */
export function attempt(step: () => void): unknown[] {
  return attemptEach([step], (s) => s());
}

/** Nothing when there are no errors; otherwise one AggregateError whose message lists every error. */
export function throwCollected(errors: readonly unknown[], what: string): void {
  if (errors.length === 0) return;
  const all = flatten(errors);
  throw new AggregateError(all, `${what}: ${all.length} error(s):\n${all.map((e, i) => `  ${i + 1}. ${messageOf(e)}`).join("\n")}`);
}

/**
 * The primary error, rethrown as it is, with the errors of the cleanup it triggered attached: as its
 * `cause` when it has none, else as `cleanupErrors`. A non-Error primary is wrapped so it can carry them.
 */
export function withCleanupErrors(primary: unknown, cleanupErrors: readonly unknown[]): unknown {
  if (cleanupErrors.length === 0) return primary;
  const all = flatten(cleanupErrors);
  const attached = new AggregateError(all, `the cleanup after this error failed too:\n${all.map((e) => `  - ${messageOf(e)}`).join("\n")}`);
  const error = primary instanceof Error ? primary : new Error(messageOf(primary));
  if (error.cause === undefined) error.cause = attached;
  else Object.assign(error, { cleanupErrors: attached });
  return error;
}

/**
 * `build()`, and when it throws, `tearDown()` (which returns its errors instead of throwing) before
 * the build error is rethrown — the build error first, the teardown's attached to it.
 */
export function buildOrTearDown<T>(build: () => T, tearDown: () => unknown[]): T {
  try {
    return build();
  } catch (error) {
    let cleanupErrors: unknown[];
    try {
      cleanupErrors = tearDown();
    } catch (tearDownError) {
      cleanupErrors = [tearDownError];
    }
    throw withCleanupErrors(error, cleanupErrors);
  }
}
