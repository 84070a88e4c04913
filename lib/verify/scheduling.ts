/**
 * Which nodes a DaemonSet's pods belong on: the nodes whose labels match its nodeSelector and whose
 * NoSchedule/NoExecute taints it tolerates, counting the tolerations the DaemonSet controller adds
 * to every daemon pod by itself.
 */
import type { INode } from "kubernetes-models/v1/Node";
import type { IToleration } from "kubernetes-models/v1/Toleration";

type Taint = NonNullable<NonNullable<INode["spec"]>["taints"]>[number];

/** Added by the DaemonSet controller (pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations). */
export const daemonSetAutoTolerations: IToleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];

/** Kubernetes' Toleration.ToleratesTaint. */
export function tolerates(toleration: IToleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if ((toleration.operator ?? "Equal") === "Exists") return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? "") === (taint.value ?? "");
}

export interface PodPlacement {
  nodeSelector?: Record<string, string>;
  tolerations?: IToleration[];
  /** hostNetwork pods also tolerate node.kubernetes.io/network-unavailable. */
  hostNetwork?: boolean;
  /**
   * A pod created directly (the ping's peer), not by the DaemonSet controller: none of its automatic
   * tolerations, and a cordoned node (spec.unschedulable) is out.
   */
  plainPod?: boolean;
}

/** Why a node gets no daemon pod, or undefined when it should have one. */
export function ineligibleReason(node: INode, placement: PodPlacement): string | undefined {
  const labels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(placement.nodeSelector ?? {})) {
    if (labels[key] !== value) return `label ${key}=${value} missing`;
  }
  if (placement.plainPod && node.spec?.unschedulable) return "cordoned (spec.unschedulable)";
  const tolerations = [
    ...(placement.tolerations ?? []),
    ...(placement.plainPod ? [] : daemonSetAutoTolerations),
    ...(placement.hostNetwork ? [{ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" } as IToleration] : []),
  ];
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === "PreferNoSchedule") continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return `taint ${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect} not tolerated`;
  }
  return undefined;
}

export function eligibleNodes(nodes: readonly INode[], placement: PodPlacement): INode[] {
  return nodes.filter((node) => ineligibleReason(node, placement) === undefined);
}

export const nodeName = (node: INode): string => node.metadata?.name ?? "(unnamed node)";

/** `a, b, c` or `a, b, c and 4 more`: keeps one-line details short on big clusters. */
export function listShort(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}
