/**
 * The verifier's checks of whereabouts and the MultiNetworkPolicy enforcer: their daemons rolled
 * out, and the sample pod's whereabouts addresses reserved in whereabouts' pool for this pod.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { INode } from "kubernetes-models/v1/Node";
import type { StackConfig, WhereaboutsIpamConfig } from "../config";
import { attachmentInterfaces, ipamOf, nadReference } from "../config";
import { multiNetworkPolicyObjects } from "../build/multiNetworkPolicy";
import { whereaboutsObjects } from "../build/whereabouts";
import { whereaboutsAllocationKey, whereaboutsPoolName } from "../build/whereaboutsIpam";
import { fail, pass, skip, type Finding } from "./findings";
import { judgeRollout } from "./rollout";
import type { AddonsSnapshot, ApiObject } from "./snapshot";

/** A whereabouts attachment of the sample pod: its interface and IPAM. */
interface PoolTarget { ifname: string; ipam: WhereaboutsIpamConfig; pool: string }

/** What to read: the daemons of the enabled add-ons and the pools of the sample pod's whereabouts attachments. */
export function addonTargets(config: StackConfig) {
  const whereabouts = config.whereabouts.enabled ? whereaboutsObjects(config.whereabouts) : undefined;
  const ifnames = attachmentInterfaces(config.samplePod.networks);
  const pools: PoolTarget[] = config.samplePod.enabled ? config.samplePod.networks.flatMap((ref, i) => {
    const network = config.networks.find((n) => `${n.namespace}/${n.name}` === nadReference(ref, config.samplePod.namespace));
    const ipam = network && ipamOf(network);
    return ipam?.type === "whereabouts" ? [{ ifname: ifnames[i], ipam, pool: whereaboutsPoolName(ipam) }] : [];
  }) : [];
  const enforcer = config.multiNetworkPolicy.enabled && config.multiNetworkPolicy.image ? multiNetworkPolicyObjects(config.multiNetworkPolicy).daemonSet.metadata : undefined;
  return {
    whereabouts: whereabouts && {
      namespace: config.whereabouts.namespace,
      daemonSet: { namespace: whereabouts.daemonSet.metadata.namespace, name: whereabouts.daemonSet.metadata.name },
      reconciler: { namespace: whereabouts.reconciler.metadata.namespace, name: whereabouts.reconciler.metadata.name },
      pools,
    },
    multiNetworkPolicy: enforcer && { namespace: enforcer.namespace, name: enforcer.name },
  };
}

function judgeReconciler(where: { namespace: string; name: string }, deployment: IDeployment | undefined): Finding {
  const check = "whereabouts/reconciler";
  const ref = `Deployment ${where.namespace}/${where.name}`;
  if (!deployment) return fail(check, `${ref} not found`);
  const ready = deployment.status?.readyReplicas ?? 0;
  return ready >= 1 ? pass(check, `${ref}: ${ready} ready`) : fail(check, `${ref}: no ready replica (the IP reconciler frees addresses of deleted pods)`);
}

/**
 * The pool holds the pod's address at its offset, for this pod (`podref` is `namespace/name`:
 * pkg/types/types.go GetPodRef) and interface.
 */
function judgeReservation(target: PoolTarget, namespace: string, pool: ApiObject | undefined, ip: string | undefined, podRef: string): Finding {
  const check = `whereabouts/reservation/${target.ifname}`;
  if (!ip) return skip(check, `${target.ifname} has no whereabouts address to look up`);
  if (!pool) return fail(check, `IPPool ${namespace}/${target.pool} not found; whereabouts keeps the allocations of ${target.ipam.range} there`);
  const key = whereaboutsAllocationKey(target.ipam.range, ip);
  const allocation = (pool.spec?.allocations as Record<string, { podref?: string; ifname?: string }> | undefined)?.[key];
  if (!allocation) return fail(check, `IPPool ${namespace}/${target.pool} has no allocation ${key} for ${ip}`);
  if (allocation.podref !== podRef || (allocation.ifname !== undefined && allocation.ifname !== target.ifname)) {
    return fail(check, `IPPool ${namespace}/${target.pool} gives ${ip} to ${allocation.podref} (${allocation.ifname ?? "no interface"}), not ${podRef} ${target.ifname}`);
  }
  return pass(check, `${ip} is reserved for ${podRef} ${target.ifname} in IPPool ${namespace}/${target.pool}`);
}

export function judgeAddons(config: StackConfig, snapshot: AddonsSnapshot, nodes: readonly INode[], samplePodAddresses: ReadonlyMap<string, string>): Finding[] {
  const targets = addonTargets(config);
  const findings: Finding[] = [];
  if (targets.whereabouts) {
    const state = snapshot.whereabouts;
    findings.push(judgeRollout("whereabouts/rollout", targets.whereabouts.daemonSet, state?.daemonSet ?? {}, nodes));
    findings.push(judgeReconciler(targets.whereabouts.reconciler, state?.reconciler));
    const podRef = `${config.samplePod.namespace}/${config.samplePod.name}`;
    for (const target of targets.whereabouts.pools) {
      findings.push(judgeReservation(target, targets.whereabouts.namespace, state?.pools[target.pool], samplePodAddresses.get(target.ifname), podRef));
    }
  }
  if (targets.multiNetworkPolicy) {
    findings.push(judgeRollout("multi-networkpolicy/rollout", targets.multiNetworkPolicy, snapshot.multiNetworkPolicy ?? {}, nodes));
  }
  return findings;
}
