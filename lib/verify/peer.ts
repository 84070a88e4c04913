/**
 * The optional ping: a temporary peer pod on another node than the sample pod, attached to the
 * sample pod's flannel networks under the same interface names, pings the sample pod's address on
 * each of them through that interface.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import type { StackConfig } from "../config";
import { commonLabels, type Named } from "../build/objects";
import { networksAnnotation, networksAnnotationValue } from "../config";
import type { ExpectedAttachment } from "./attachments";

/**
 * Whether a peer pod on another node can prove cross-node traffic over this attachment, and if not
 * why. Only flannel qualifies: each node leases its own subnet, so the peer's address differs from
 * the sample pod's. host-local IPAM keeps its allocations per node, so on another node it hands out
 * the same first address again and the ping would be answered inside the peer itself.
 */
export function pingableReason(attachment: ExpectedAttachment): string | undefined {
  const { network } = attachment;
  if (network.type === "flannel") return undefined;
  if (network.type === "bridge") return "bridge networks are node-local";
  if (network.ipam.type === "static") {
    return network.ipam.addresses ? "a second pod would get the same static address" : "static IPAM: the peer would need an address of its own";
  }
  return "host-local IPAM allocates per node: a peer on another node can get the sample pod's own address, and the ping would never leave it";
}

/** The labels that mark a pod as the verifier's peer: only such a pod is ever deleted. */
export const peerLabels = commonLabels("verification-peer");

export function isVerifierPeer(pod: IPod): boolean {
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(peerLabels).every(([key, value]) => labels[key] === value);
}

export function peerPodName(samplePodName: string): string {
  return `${samplePodName.slice(0, 58).replace(/-+$/, "")}-peer`;
}

/** The peer pod: only on one of `nodes`, gone by itself after `lifetimeSeconds` even if cleanup fails. */
export function peerPod(config: StackConfig, attachments: readonly ExpectedAttachment[], nodes: readonly string[], lifetimeSeconds: number): Named<IPod> {
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
      labels: { ...peerLabels, app: name },
      annotations: { [networksAnnotation]: networksAnnotationValue(refs, samplePod.namespace) },
    },
    spec: {
      restartPolicy: "Never",
      activeDeadlineSeconds: lifetimeSeconds,
      terminationGracePeriodSeconds: 0,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [...nodes] }] }],
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
