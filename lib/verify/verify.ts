/**
 * The verifier's judgement: given the validated stack config and a snapshot of what the cluster
 * returned (lib/verify/snapshot.ts), one finding per check, in a fixed order. Pure: no I/O, so every
 * verdict is unit-tested on real objects. Each family of checks is its own module (rollout, calico,
 * nads, samplePod, ping); this composes them.
 */
import type { StackConfig } from "../config";
import { judgeAddons } from "./addons";
import { judgeCalicoAutodetection, judgeCalicoNodeAddresses, judgeCalicoRollout } from "./calico";
import { skip, type Finding } from "./findings";
import { judgeNads } from "./nads";
import { judgePingObservation } from "./ping";
import { judgeRollout } from "./rollout";
import { judgeSamplePod } from "./samplePod";
import { verifyTargets, type VerifySnapshot } from "./snapshot";

/**
 * Every check but the ping, and the sample pod's attachment addresses (from the same judgement),
 * which the ping targets.
 */
export function judgeSnapshot(config: StackConfig, snapshot: VerifySnapshot): { findings: Finding[]; samplePodAddresses: Map<string, string> } {
  const targets = verifyTargets(config);
  const pod = judgeSamplePod(config, snapshot.samplePod);
  const findings: Finding[] = [
    judgeRollout("multus/rollout", targets.multus, snapshot.multus, snapshot.nodes),
    targets.flannel
      ? judgeRollout("flannel/rollout", targets.flannel, snapshot.flannel ?? {}, snapshot.nodes)
      : skip("flannel/rollout", "multinet:flannel.enabled is false"),
    // Only when the stack installs the plugins (an add-on, off by default): its pods are ready
    // once their init container copied the plugins.
    ...(targets.cniPlugins ? [judgeRollout("cni-plugins/rollout", targets.cniPlugins, snapshot.cniPlugins ?? {}, snapshot.nodes)] : []),
    judgeCalicoAutodetection(config, snapshot.calico),
    targets.calicoDaemonSet
      ? judgeCalicoRollout(config, targets.calicoDaemonSet, snapshot.calico, snapshot.nodes)
      : skip("calico/rollout", "multinet:calico.mode is none"),
    judgeCalicoNodeAddresses(config, snapshot.nodes),
    ...judgeNads(config, snapshot.nads),
    ...pod.findings,
    ...judgeAddons(config, snapshot.addons ?? {}, snapshot.nodes, pod.addresses),
  ];
  return { findings, samplePodAddresses: pod.addresses };
}

/** Every verification finding for a stack, the ping's last. */
export function verifyFindings(config: StackConfig, snapshot: VerifySnapshot): Finding[] {
  return [...judgeSnapshot(config, snapshot).findings, ...judgePingObservation(config, snapshot.ping)];
}
