/**
 * Reading the cluster and judging it, again and again until the judgement is final or the run's
 * deadline passes: the verification's and the preflight's loop, the same for both so the same
 * condition ends with the same exit code.
 */
import { fail, type Finding } from "../verify/findings";
import { isRetryable, pollUntil, type Kube } from "./connection";

export interface Judged {
  findings: Finding[];
}

/**
 * Calls `attempt` (every `kube.attemptIntervalMs`) until `final` says its judgement stands, or the
 * deadline (`timeoutSeconds` 0: one attempt, no waiting). A request that fails on the way (a
 * time-out, 429, 5xx, a connection dropped half-way, an answer of the wrong shape) is one failed
 * attempt, a `cluster/read` finding; rejected credentials or a server that is not the Kubernetes
 * API are thrown: the run ends. An attempt cut off by the deadline leaves the one before it
 * standing. `read` is undefined when the last attempt failed to read.
 */
export async function judgeUntil<T extends Judged>(kube: Kube, timeoutSeconds: number, attempt: () => Promise<T>, final: (value: T) => boolean):
  Promise<{ read?: T; findings: Finding[]; timedOut: boolean; note?: string }> {
  const deadline = timeoutSeconds > 0 ? kube.deadline.at : Date.now();
  let previous: { read?: T; findings: Finding[] } | undefined;
  const polled = await pollUntil(async () => {
    try {
      const read = await attempt();
      previous = { read, findings: read.findings };
      return { done: final(read), value: previous };
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (kube.deadline.signal.aborted && previous) return { done: false, value: previous };
      previous = { findings: [fail("cluster/read", (error as Error).message)] };
      return { done: false, value: previous };
    }
  }, deadline, kube.attemptIntervalMs, kube.deadline.signal);
  const note = polled.timedOut && timeoutSeconds > 0
    ? `still failing after waiting ${timeoutSeconds}s (multinet:verification.timeoutSeconds, or --timeout)`
    : undefined;
  return { ...polled.value, timedOut: polled.timedOut, ...(note ? { note } : {}) };
}
