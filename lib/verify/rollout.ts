/**
 * A DaemonSet's rollout (Multus, Flannel, calico-node): the controller has observed its spec and
 * every eligible node runs an updated, ready pod; a node without one is named with why.
 */
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import { fail, pass, type Finding } from "./findings";
import { eligibleNodes, listShort, nodeName } from "./scheduling";
import type { DaemonSetState } from "./snapshot";

const isReady = (pod: IPod) => !pod.metadata?.deletionTimestamp
  && (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** The nodes where a daemon pod of `state` is ready. */
export const readyNodes = (state: DaemonSetState) => new Set((state.pods ?? []).filter(isReady).map((pod) => pod.spec?.nodeName));

/** Long enough for a kubelet reason (ImagePullBackOff, CreateContainerConfigError), not for a log line. */
const maxReasonLength = 40;

/**
 * Why a daemon pod is not ready, in the kubelet's words: the first container (init containers
 * first) waiting or terminated with a reason, else the pod's phase; "not Ready" when it runs and
 * only its readiness fails (flanneld's /readyz before subnet.env is written).
 */
export function notReadyReason(pod: IPod): string {
  if (pod.metadata?.deletionTimestamp) return "terminating";
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const state = status.state?.waiting ?? (status.state?.terminated?.exitCode ? status.state.terminated : undefined);
    if (state?.reason) return `${status.name} ${state.reason.slice(0, maxReasonLength)}`;
  }
  const phase = pod.status?.phase;
  return phase && phase !== "Running" ? phase.slice(0, maxReasonLength) : "not Ready";
}

/** Each node without a ready pod, with why when a pod is there: `worker-3 (kube-multus ImagePullBackOff)`. */
function withReasons(nodes: readonly string[], pods: readonly IPod[]): string[] {
  return nodes.map((node) => {
    const pod = pods.find((p) => p.spec?.nodeName === node);
    return pod ? `${node} (${notReadyReason(pod)})` : node;
  });
}

/** The DaemonSet has observed its spec, every pod is updated and available, every eligible node has a ready pod. */
export function judgeRollout(check: string, where: { namespace: string; name: string }, state: DaemonSetState, nodes: readonly INode[]): Finding {
  const ref = `DaemonSet ${where.namespace}/${where.name}`;
  const ds = state.daemonSet;
  if (!ds) return fail(check, `${ref} not found`);
  const status = ds.status ?? { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
  const generation = ds.metadata?.generation;
  if (generation !== undefined && (status.observedGeneration ?? 0) < generation) {
    return fail(check, `${ref}: the controller has not observed generation ${generation} yet (observed ${status.observedGeneration ?? "none"})`);
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const template = ds.spec?.template.spec;
  const eligible = eligibleNodes(nodes, { nodeSelector: template?.nodeSelector, tolerations: template?.tolerations, hostNetwork: template?.hostNetwork });
  if (desired === 0) {
    return fail(check, `${ref} wants no pods: no node matches its nodeSelector ${JSON.stringify(template?.nodeSelector ?? {})} and tolerations`);
  }
  // A status alone, without nodes to hold it against, proves nothing.
  if (!nodes.length) return fail(check, `${ref} wants ${desired} pods, but the API server listed no nodes: nothing to check the rollout against`);
  if (!eligible.length) {
    return fail(check, `${ref} wants ${desired} pods, but no listed node is eligible for them (nodeSelector ${JSON.stringify(template?.nodeSelector ?? {})}, taints vs. tolerations): nothing to check the rollout against`);
  }
  const problems: string[] = [];
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  if (updated < desired) problems.push(`${updated}/${desired} pods updated`);
  if (available < desired) problems.push(`${available}/${desired} pods available`);
  if (state.pods) {
    const readyOn = readyNodes(state);
    const missing = eligible.map(nodeName).filter((node) => !readyOn.has(node));
    if (missing.length) problems.push(`no ready pod on ${listShort(withReasons(missing, state.pods))}`);
  }
  if (problems.length) return fail(check, `${ref}: ${problems.join("; ")}`);
  const onNodes = state.pods ? ` on all ${eligible.length} eligible node${eligible.length === 1 ? "" : "s"}` : "";
  return pass(check, `${ref}: ${desired}/${desired} pods updated and available${onNodes}`);
}
