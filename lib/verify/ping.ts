/**
 * The optional ping, its pure parts: a temporary peer pod on another node than the sample pod,
 * attached to the sample pod's flannel networks under the same interface names, pings the sample
 * pod's address on each of them through that interface. Here: which attachments can prove
 * anything, where the peer may run, the peer pod object, the ping command, and the judgement of
 * what came back. The peer's lifecycle (create, wait, exec, delete) is lib/kube/peer.ts.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import * as ipaddr from "ipaddr.js";
import { ipamOf, networksAnnotation, networksAnnotationValue, networkStatusAnnotation, policyNetworkReference, type StackConfig } from "../config";
import { commonLabels, type Named } from "../build/objects";
import { samplePod as samplePodObject } from "../build/samplePod";
import { attachmentEntry, expectedAttachments, parseNetworkStatus, type ExpectedAttachment } from "./attachments";
import { fail, pass, skip, type Finding } from "./findings";
import { readyNodes } from "./rollout";
import { ineligibleReason, listShort, nodeName } from "./scheduling";
import type { PingObservation, PingResult, VerifySnapshot } from "./snapshot";

/**
 * Whether a peer pod on another node can prove cross-node traffic over this attachment, and if not
 * why. Flannel qualifies (each node leases its own subnet, so the peer's address differs from the
 * sample pod's), and so does whereabouts IPAM on a network shared by nodes. host-local IPAM keeps its allocations per node, so on another node it hands out
 * the same first address again and the ping would be answered inside the peer itself.
 */
export function pingableReason(attachment: ExpectedAttachment): string | undefined {
  const { network } = attachment;
  if (network.type === "flannel") return undefined;
  if (network.type === "bridge") return "bridge networks are node-local";
  const ipam = ipamOf(network);
  if (!ipam) return `${network.type} network without multinet-assigned addresses`;
  // whereabouts hands out addresses cluster-wide: the peer's differs from the sample pod's.
  if (ipam.type === "whereabouts") return undefined;
  if (ipam.type === "static") {
    return ipam.addresses ? "a second pod would get the same static address" : "static IPAM: the peer would need an address of its own";
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

export type PingExpectation = { expect: "replies" } | { expect: "denied"; policy: string } | { skip: string };

/** A policy selects pods with these labels (matchLabels only: the enforcer reads selectors so). */
const selects = (policy: StackConfig["policies"][number], labels: Record<string, string>) =>
  Object.entries(policy.podSelector.matchLabels).every(([key, value]) => labels[key] === value);

/**
 * What the ping over an attachment should find under the stack's MultiNetworkPolicy objects:
 * replies, or none because a deny-all ingress policy selects the sample pod on that network.
 * Policies with rules are not judged: whether they admit the peer depends on more than the ping controls.
 */
export function pingExpectation(config: StackConfig, attachment: ExpectedAttachment): PingExpectation {
  if (!config.multiNetworkPolicy.enabled) return { expect: "replies" };
  const sampleLabels = samplePodObject(config.samplePod, []).metadata.labels ?? {};
  const applying = config.policies.filter((policy) => policy.namespace === config.samplePod.namespace
    && policy.networks.some((entry) => policyNetworkReference(entry, policy.namespace) === attachment.reference));
  const onPeer = applying.filter((policy) => policy.policyTypes.includes("Egress") && selects(policy, { ...peerLabels, app: peerPodName(config.samplePod.name) }));
  if (onPeer.length) return { skip: `MultiNetworkPolicy ${onPeer.map((p) => p.name).join(", ")} limits the peer's egress` };
  const onSample = applying.filter((policy) => policy.policyTypes.includes("Ingress") && selects(policy, sampleLabels));
  const denyAll = onSample.find((policy) => policy.ingress.length === 0);
  if (denyAll) return { expect: "denied", policy: denyAll.name };
  if (onSample.length) return { skip: `MultiNetworkPolicy ${onSample.map((p) => p.name).join(", ")} has ingress rules; whether they admit the peer is not judged` };
  return { expect: "replies" };
}

/** The sample pod's attachments that a peer pod on another node can ping, with why others cannot. */
export function pingPlan(config: StackConfig): { attachments: ExpectedAttachment[]; skipped: Finding[] } {
  const all = expectedAttachments(config.samplePod, config.networks, config.flannel);
  const why = (a: ExpectedAttachment) => {
    const expectation = pingExpectation(config, a);
    return pingableReason(a) ?? ("skip" in expectation ? expectation.skip : undefined);
  };
  const attachments = all.filter((a) => !why(a));
  const skipped = all.filter((a) => why(a)).map((a) => skip(`ping/${a.ifname}`, `${a.reference}: ${why(a)}`));
  return { attachments, skipped };
}

/**
 * The nodes the peer pod may run on: not the sample pod's, open to a pod without tolerations, and
 * with a ready Multus (and Flannel) daemon pod, without which its attachments cannot be set up.
 * When none qualifies the ping is skipped with the reasons rather than left to time out.
 */
export function peerNodes(snapshot: VerifySnapshot, samplePodNode: string): { nodes: string[] } | { skipped: string } {
  const others = snapshot.nodes.filter((node) => nodeName(node) !== samplePodNode);
  if (!others.length) return { skipped: "single-node cluster: no second node for a peer pod" };
  const multus = readyNodes(snapshot.multus);
  const flannel = snapshot.flannel ? readyNodes(snapshot.flannel) : undefined;
  const nodes: string[] = [];
  const refused: string[] = [];
  for (const node of others) {
    const name = nodeName(node);
    const why = ineligibleReason(node, { plainPod: true })
      ?? (multus.has(name) ? undefined : "no ready Multus pod")
      ?? (!flannel || flannel.has(name) ? undefined : "no ready Flannel pod");
    if (why) refused.push(`${name}: ${why}`);
    else nodes.push(name);
  }
  return nodes.length ? { nodes } : { skipped: `no node other than ${samplePodNode} can take the peer pod (${listShort(refused, 3)})` };
}

const sameIp = (a: string, b: string) => ipaddr.isValid(a) && ipaddr.isValid(b) && ipaddr.parse(a).toNormalizedString() === ipaddr.parse(b).toNormalizedString();

/**
 * The peer's own address on the attachment, from its network-status. It must lie in the
 * attachment's network and differ from the target: a peer holding the target itself would answer
 * its own ping without a packet leaving it.
 */
export function peerAttachmentAddress(attachment: ExpectedAttachment, peer: IPod | undefined, target: string): { ip: string } | { problem: string } {
  const status = parseNetworkStatus(peer?.metadata?.annotations?.[networkStatusAnnotation]);
  if ("error" in status) return { problem: `peer: ${status.error}` };
  const found = attachmentEntry(status.entries, attachment);
  if ((found.entry?.ips ?? []).some((ip) => sameIp(ip, target))) {
    return { problem: `the peer has the sample pod's own address ${target} on ${attachment.ifname}: a reply would not cross nodes` };
  }
  if (found.problem) return { problem: `peer: ${found.problem}` };
  return { ip: found.ip! };
}

/** The ping's findings: one per attachment, pinged or skipped; none when the ping is off. */
export function judgePingObservation(config: StackConfig, observation: PingObservation | undefined): Finding[] {
  if (!config.verification.ping.enabled) return [];
  if (!observation) return [skip("ping", "not run: the other checks failed first")];
  if ("skipped" in observation) return [skip("ping", observation.skipped)];
  const note = "cleanup" in observation && observation.cleanup ? `; note: ${observation.cleanup}` : "";
  if ("error" in observation) return [fail("ping", `${observation.error}${note}`)];
  const { skipped } = pingPlan(config);
  return [
    ...observation.results.map(({ ifname, target, peerAddress, problem, result }) => {
      const from = `${observation.peer}${peerAddress ? ` (${peerAddress})` : ""} on ${observation.peerNode}`;
      const route = `${from} → ${target} on ${observation.samplePodNode} via ${ifname}`;
      if (problem || !result) return fail(`ping/${ifname}`, `${route}: ${problem ?? "not pinged"}${note}`);
      const verdict = judgePing(result);
      const attachment = pingPlan(config).attachments.find((a) => a.ifname === ifname);
      const expectation = attachment ? pingExpectation(config, attachment) : { expect: "replies" as const };
      if ("policy" in expectation) {
        // Only an answered ping is a verdict here: no replies is what the policy wants, but a broken path looks the same.
        const replies = /^(\d+)\//.exec(verdict.detail);
        return replies && Number(replies[1]) === 0
          ? pass(`ping/${ifname}`, `${route}: ${verdict.detail}, denied by MultiNetworkPolicy ${expectation.policy}${note}`)
          : fail(`ping/${ifname}`, `${route}: ${verdict.detail}, but MultiNetworkPolicy ${expectation.policy} should deny it${note}`);
      }
      return verdict.ok ? pass(`ping/${ifname}`, `${route}: ${verdict.detail}${note}`) : fail(`ping/${ifname}`, `${route}: ${verdict.detail}${note}`);
    }),
    ...skipped,
  ];
}
