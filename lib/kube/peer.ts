/**
 * The peer pod's lifecycle for the ping (lib/verify/ping.ts builds it and judges the replies):
 * create it (replacing only a leftover of the verifier's own), wait until it runs with its
 * attachments, ping through it, delete it — only the pod this run created.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { IPod } from "kubernetes-models/v1/Pod";
import { warningSummary } from "../verify/events";
import { isVerifierPeer, pingCommand } from "../verify/ping";
import type { PingResult } from "../verify/snapshot";
import { failureReason, isNotFound, isRetryable, KubeError, pollUntil, timed, type Kube } from "./connection";
import { execInPod } from "./exec";
import { podWarnings, readPod } from "./reads";

/** `readPod`, with a retryable failure read as "not known yet" (undefined value, `failed` set) so a poll goes on. */
async function readPodOrRetry(kube: Kube, namespace: string, name: string): Promise<{ pod?: IPod; failed?: string }> {
  try {
    return { pod: await readPod(kube, namespace, name) };
  } catch (error) {
    if (!isRetryable(error)) throw error;
    return { failed: (error as Error).message };
  }
}

/**
 * Creates the peer pod (replacing a leftover of an earlier run, never a pod that is not the
 * verifier's) and waits until it runs with its attachments. `uid` is set once the pod was created.
 */
export async function startPeer(kube: Kube, pod: IPod, deadline: number): Promise<{ pod: IPod; uid: string } | { error: string; uid?: string }> {
  const namespace = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  const leftover = await deletePeer(kube, namespace, name);
  if (leftover) return { error: `cannot replace ${namespace}/${name}: ${leftover}` };
  const gone = await pollUntil(async () => {
    const read = await readPodOrRetry(kube, namespace, name);
    return { done: !read.failed && !read.pod, value: undefined };
  }, deadline, 1000);
  if (gone.timedOut) return { error: `a leftover pod ${namespace}/${name} did not go away` };
  let uid: string;
  try {
    const created = await timed(kube, () => kube.core.createNamespacedPod({ namespace, body: pod as V1Pod }));
    uid = created.metadata?.uid ?? "";
  } catch (error) {
    const reason = failureReason(kube, error);
    return { error: `cannot create the peer pod ${namespace}/${name}: ${reason}` };
  }
  const started = await pollUntil(async () => {
    const { pod: current, failed } = await readPodOrRetry(kube, namespace, name);
    const running = current?.status?.phase === "Running" && Boolean(current.metadata?.annotations?.["k8s.v1.cni.cncf.io/network-status"]);
    return { done: running || current?.status?.phase === "Failed", value: { current, failed } };
  }, deadline, kube.peerPollMs);
  const { current, failed } = started.value;
  // Running without network-status at the deadline still returns: the ping finding then says so.
  if (current?.status?.phase === "Running") return { pod: current, uid };
  let why = failed ? `; last read: ${failed}` : "";
  if (current) {
    try {
      const warnings = await podWarnings(kube, current);
      if (warnings.length) why = warningSummary(warnings, current.spec?.nodeName);
    } catch (error) {
      if (!isRetryable(error)) throw error;
    }
  }
  const phase = failed ? "unknown" : current?.status?.phase ?? "gone";
  return { uid, error: `the peer pod ${namespace}/${name} is ${phase}${started.timedOut ? " at the deadline (multinet:verification.timeoutSeconds)" : ""}${why}` };
}

/**
 * Deletes the peer pod, but only a pod that carries the verifier's labels (and, when `uid` is
 * given, is the one this run created): a pod of someone else's that happens to have the name is
 * left alone. Returns why it did not delete, or undefined when the pod is gone or was deleted;
 * never throws for API failures, which end up as a note.
 */
export async function deletePeer(kube: Kube, namespace: string, name: string, uid?: string): Promise<string | undefined> {
  const ref = `${namespace}/${name}`;
  let current: IPod | undefined;
  try {
    current = await readPod(kube, namespace, name);
  } catch (error) {
    if (error instanceof KubeError) return `cannot check the peer pod ${ref} before deleting it: ${error.message}`;
    throw error;
  }
  if (!current) return undefined;
  if (!isVerifierPeer(current)) return `pod ${ref} is not the verifier's peer (its labels lack app.kubernetes.io/component=verification-peer): left alone`;
  if (uid && current.metadata?.uid !== uid) return `pod ${ref} is no longer the one this run created: left alone`;
  try {
    // The UID precondition: delete exactly the pod whose labels were just checked.
    await timed(kube, () => kube.core.deleteNamespacedPod({
      name, namespace, gracePeriodSeconds: 0, body: { preconditions: { uid: current.metadata?.uid } },
    }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    const reason = failureReason(kube, error);
    return `cannot delete the peer pod ${ref}: ${reason}`;
  }
  return undefined;
}

/** Pings `target` from the peer pod through `ifname`. */
export async function ping(kube: Kube, peer: { namespace: string; name: string; container: string }, ifname: string, target: string): Promise<PingResult> {
  try {
    const result = await execInPod(kube, peer, pingCommand(ifname, target), 20000);
    return { exitCode: result.exitCode, output: `${result.stdout}${result.stderr}` };
  } catch (error) {
    if (error instanceof KubeError) return { exitCode: -1, output: error.message };
    throw error;
  }
}
