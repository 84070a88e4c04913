/**
 * The optional ping: a temporary peer pod on another node than the sample pod, attached to the
 * sample pod's cross-node networks under the same interface names, pings the sample pod's address
 * on each of them through that interface.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import type { StackConfig } from "../config";
import { commonLabels, type Named } from "../k8s";
import { networksAnnotation, networksAnnotationValue } from "../samplePod";
import type { ExpectedAttachment } from "./attachments";

/**
 * Whether two pods on different nodes can reach each other over this attachment, and if not why:
 * bridge networks end at the node's bridge, and a static address cannot be given to a second pod.
 */
export function pingableReason(attachment: ExpectedAttachment): string | undefined {
  const { network } = attachment;
  if (network.type === "bridge") return "bridge networks are node-local";
  if (network.type === "macvlan" && network.ipam.type === "static") return "a second pod would get the same static address";
  return undefined;
}

export function peerPodName(samplePodName: string): string {
  return `${samplePodName.slice(0, 58).replace(/-+$/, "")}-peer`;
}

/** The peer pod: never on `avoidNode`, gone by itself after `lifetimeSeconds` even if cleanup fails. */
export function peerPod(config: StackConfig, attachments: readonly ExpectedAttachment[], avoidNode: string, lifetimeSeconds: number): Named<IPod> {
  const { samplePod, verification } = config;
  const refs = attachments.map((a) => {
    const [namespace, name] = a.reference.split("/");
    return { name, namespace, interface: a.ifname };
  });
  const name = peerPodName(samplePod.name);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: samplePod.namespace,
      labels: { ...commonLabels("verification-peer"), app: name },
      annotations: { [networksAnnotation]: networksAnnotationValue(refs, samplePod.namespace) },
    },
    spec: {
      restartPolicy: "Never",
      activeDeadlineSeconds: lifetimeSeconds,
      terminationGracePeriodSeconds: 0,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "NotIn", values: [avoidNode] }] }],
          },
        },
      },
      containers: [{
        name: "peer",
        image: verification.ping.image,
        command: ["sleep", String(lifetimeSeconds)],
        resources: { requests: { cpu: "10m", memory: "8Mi" }, limits: { memory: "32Mi" } },
      }],
    },
  };
}

/** Three echo requests through `ifname`, at most 10 seconds (busybox and iputils ping alike). */
export function pingCommand(ifname: string, target: string): string[] {
  return ["ping", "-c", "3", "-w", "10", "-I", ifname, target];
}

export interface PingResult {
  exitCode: number;
  output: string;
}

/** `3/3 replies`, or why there were none. */
export function judgePing(result: PingResult): { ok: boolean; detail: string } {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(result.output);
  if (counts) {
    const [sent, received] = [Number(counts[1]), Number(counts[2])];
    return { ok: result.exitCode === 0 && received > 0, detail: `${received}/${sent} replies` };
  }
  const last = result.output.trim().split("\n").pop() ?? "";
  return { ok: false, detail: `ping exited ${result.exitCode}${last ? `: ${last}` : ""}` };
}
