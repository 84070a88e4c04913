/**
 * The preflight's judging logic: the cluster states that make Flannel-as-an-attachment fail,
 * checked before multinet changes anything. Pure, over nodes, Calico's IP pools and what is
 * installed of Calico.
 */
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { INode } from "kubernetes-models/v1/Node";
import { cidrContains, cidrsOverlap, parseCidr, type Cidr } from "../config/cidr";
import type { StackConfig } from "../config";
import { configKey, ipamOf, neededNamespaces, systemNamespaces } from "../config";
import { judgeExistingObjects, ownerOf, type ExistingObject } from "./existing";
import { calicoInstallCniContainer } from "../build/calico";
import { fail, pass, skip, type Finding } from "./findings";
import { eligibleNodes, ineligibleReason, listShort, nodeName } from "./scheduling";
import { operatorCalicoNode, type ApiObject } from "./snapshot";

export interface PreflightSnapshot {
  nodes: INode[];
  /** The cluster's namespaces. */
  namespaces: INamespace[];
  /** The objects multinet creates that exist already (lib/verify/existing.ts). */
  existing: ExistingObject[];
  /** Calico's IPPools and the API that served them; undefined when neither IPPool API is served. */
  ipPools?: { api: string; pools: ApiObject[] };
  calico: {
    /** The calico-node DaemonSets that exist (kube-system, calico-system, the stack's namespace). */
    daemonSets: IDaemonSet[];
    /** operator.tigera.io/v1 Installations; undefined when that API is not served. */
    installations?: ApiObject[];
  };
}

/** Where calico-node is looked for: the manifest default, the operator's and the stack's. */
export function calicoDaemonSetCandidates(config: StackConfig): Array<{ namespace: string; name: string }> {
  const candidates = [
    { namespace: config.calico.namespace, name: config.calico.daemonSetName },
    { namespace: "kube-system", name: "calico-node" },
    operatorCalicoNode,
  ];
  return candidates.filter((c, i) => candidates.findIndex((d) => d.namespace === c.namespace && d.name === c.name) === i);
}

export type CalicoInstall =
  | { mode: "operator"; installations: string[] }
  | { mode: "manifest"; daemonSets: string[] }
  | { mode: "absent" };

export function detectCalicoInstall(calico: PreflightSnapshot["calico"]): CalicoInstall {
  const installations = (calico.installations ?? []).map((i) => i.metadata?.name ?? "");
  if (installations.length) return { mode: "operator", installations };
  const daemonSets = calico.daemonSets.map((ds) => `${ds.metadata?.namespace}/${ds.metadata?.name}`);
  if (daemonSets.length) return { mode: "manifest", daemonSets };
  return { mode: "absent" };
}

const ipv4Cidrs = (node: INode): string[] => {
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return cidrs.filter((c) => parseCidr(c)?.address.kind() === "ipv4");
};

/** `inner` lies entirely inside `outer`. */
const within = (inner: Cidr, outer: Cidr) => inner.prefix >= outer.prefix && cidrContains(outer, inner.address.toString());

function flannelNodes(config: StackConfig, nodes: readonly INode[]): { nodes: INode[]; problem?: string } {
  if (!nodes.length) return { nodes: [], problem: "the cluster has no nodes" };
  const { nodeSelector, tolerations } = config.flannel;
  const eligible = eligibleNodes(nodes, { nodeSelector, tolerations, hostNetwork: true });
  if (!eligible.length) {
    return { nodes: [], problem: `no node can run flanneld: ${listShort(nodes.map((n) => `${nodeName(n)} (${ineligibleReason(n, { nodeSelector, tolerations, hostNetwork: true })})`), 3)}` };
  }
  return { nodes: eligible };
}

/** Every node flanneld will run on has a spec.podCIDR: `--kube-subnet-mgr` leases exactly that. */
export function judgeNodePodCidrs(config: StackConfig, nodes: readonly INode[]): Finding {
  const check = "preflight/node-podcidr";
  if (!config.flannel.enabled) return skip(check, "multinet:flannel.enabled is false");
  const eligible = flannelNodes(config, nodes);
  if (eligible.problem) return fail(check, eligible.problem);
  const without = eligible.nodes.filter((n) => !ipv4Cidrs(n).length).map(nodeName);
  if (without.length) {
    return fail(check, `${listShort(without)} ha${without.length === 1 ? "s" : "ve"} no IPv4 spec.podCIDR; flanneld --kube-subnet-mgr fails there ("pod cidr not assigned"). Run kube-controller-manager with --allocate-node-cidrs and --cluster-cidr=${config.flannel.network}`);
  }
  return pass(check, `all ${eligible.nodes.length} node${eligible.nodes.length === 1 ? "" : "s"} for flanneld have a podCIDR`);
}

/** Every podCIDR lies inside the Flannel network, which flanneld's leases must. */
export function judgePodCidrsInNetwork(config: StackConfig, nodes: readonly INode[]): Finding {
  const check = "preflight/podcidr-in-network";
  if (!config.flannel.enabled) return skip(check, "multinet:flannel.enabled is false");
  const network = parseCidr(config.flannel.network)!;
  const eligible = flannelNodes(config, nodes);
  if (eligible.problem) return skip(check, eligible.problem);
  const outside = eligible.nodes.flatMap((n) => ipv4Cidrs(n)
    .filter((c) => !within(parseCidr(c)!, network))
    .map((c) => `${nodeName(n)} ${c}`));
  if (outside.length) {
    return fail(check, `${listShort(outside)} outside ${configKey(["flannel", "network"])} ${config.flannel.network}; the cluster's pod CIDR (--cluster-cidr, kubeadm podSubnet) must be the Flannel network`);
  }
  const cidrs = eligible.nodes.flatMap(ipv4Cidrs);
  return cidrs.length
    ? pass(check, `${listShort(cidrs, 4)} inside ${config.flannel.network}`)
    : skip(check, "no node has a podCIDR yet");
}

interface Pool { name: string; cidr: Cidr; disabled: boolean }

function poolsOf(snapshot: PreflightSnapshot["ipPools"]): { pools: Pool[]; bad: string[] } {
  const pools: Pool[] = [];
  const bad: string[] = [];
  for (const object of snapshot?.pools ?? []) {
    const name = object.metadata?.name ?? "(unnamed)";
    const cidr = parseCidr(String(object.spec?.cidr ?? ""));
    if (!cidr) bad.push(`${name} has no valid spec.cidr`);
    else pools.push({ name, cidr, disabled: object.spec?.disabled === true });
  }
  return { pools, bad };
}

/** The address ranges multinet hands out: the Flannel network and each NAD's subnets. */
function ownRanges(config: StackConfig): Array<{ key: string; cidr: Cidr }> {
  const ranges: Array<{ key: string; cidr: Cidr }> = [];
  if (config.flannel.enabled) ranges.push({ key: configKey(["flannel", "network"]), cidr: parseCidr(config.flannel.network)! });
  config.networks.forEach((network, i) => {
    const ipam = ipamOf(network);
    if (ipam?.type === "host-local") {
      ipam.ranges.forEach((range, r) => ranges.push({ key: configKey(["networks", i, "ipam", "ranges", r, "subnet"]), cidr: parseCidr(range.subnet)! }));
    } else if (ipam?.type === "whereabouts") {
      ranges.push({ key: configKey(["networks", i, "ipam", "range"]), cidr: parseCidr(ipam.range)! });
    } else {
      ipam?.addresses?.forEach((a, r) => ranges.push({ key: configKey(["networks", i, "ipam", "addresses", r, "address"]), cidr: parseCidr(a.address)! }));
    }
  });
  // Static IPAM without addresses: the sample pod names its own.
  if (config.samplePod.enabled) {
    config.samplePod.networks.forEach((ref, i) => ref.ips?.forEach((ip, k) =>
      ranges.push({ key: configKey(["samplePod", "networks", i, "ips", k]), cidr: parseCidr(ip)! })));
  }
  return ranges;
}

/**
 * Why the pools prove nothing, as a finding: no IPPool API although Calico is installed (every
 * Calico install serves crd.projectcalico.org/v1 IPPools) fails; no Calico at all, or no pool yet,
 * is a skip that says so. Undefined when there are pools to judge.
 */
function unjudgeablePools(check: string, snapshot: PreflightSnapshot): Finding | undefined {
  const install = detectCalicoInstall(snapshot.calico);
  if (!snapshot.ipPools) {
    if (install.mode === "absent") return skip(check, "no Calico IPPool API is served (crd.projectcalico.org/v1, projectcalico.org/v3) and no Calico is installed");
    const what = install.mode === "operator" ? `Installation ${install.installations.join(", ")}` : `DaemonSet ${install.daemonSets.join(", ")}`;
    return fail(check, `Calico is installed (${what}) but neither IPPool API answers (crd.projectcalico.org/v1, projectcalico.org/v3): the pools cannot be checked`);
  }
  if (!snapshot.ipPools.pools.length) return skip(check, `no Calico IPPool exists (${snapshot.ipPools.api}): nothing to compare; calico-node creates its default pool when it first starts`);
  return undefined;
}

/** No live Calico pool overlaps the Flannel network or a NAD subnet (duplicate pod addresses). */
export function judgePoolOverlap(config: StackConfig, snapshot: PreflightSnapshot): Finding {
  const check = "preflight/calico-pools";
  const unjudgeable = unjudgeablePools(check, snapshot);
  if (unjudgeable) return unjudgeable;
  const ipPools = snapshot.ipPools!;
  const { pools, bad } = poolsOf(ipPools);
  if (bad.length) return fail(check, bad.join("; "));
  const ranges = ownRanges(config);
  const overlaps: string[] = [];
  const notes: string[] = [];
  for (const pool of pools) {
    for (const range of ranges) {
      if (!cidrsOverlap(pool.cidr, range.cidr)) continue;
      const text = `pool ${pool.name} ${pool.cidr.text} overlaps ${range.key} ${range.cidr.text}`;
      if (pool.disabled) notes.push(`disabled ${text}`);
      else overlaps.push(text);
    }
  }
  if (overlaps.length) return fail(check, `${overlaps.join("; ")}: pods would get duplicate addresses`);
  const summary = `${pools.map((p) => `${p.name} ${p.cidr.text}${p.disabled ? " (disabled)" : ""}`).join(", ")} clear of multinet's ranges`;
  return pass(check, `${summary}${notes.length ? `; note: ${notes.join("; ")}` : ""} (${ipPools.api})`);
}

/** The stack's `calico.poolCidrs`, which the offline config checks use, lists every enabled live pool. */
export function judgePoolsDeclared(config: StackConfig, snapshot: PreflightSnapshot): Finding {
  const check = "preflight/calico-pools-declared";
  const unjudgeable = unjudgeablePools(check, snapshot);
  if (unjudgeable) return unjudgeable;
  const ipPools = snapshot.ipPools!;
  const declared = config.calico.poolCidrs.map((c) => parseCidr(c)!);
  const undeclared = poolsOf(ipPools).pools.filter((p) => !p.disabled && !declared.some((d) => within(p.cidr, d)));
  if (undeclared.length) {
    return fail(check, `${undeclared.map((p) => `pool ${p.name} ${p.cidr.text}`).join(", ")} not in ${configKey(["calico", "poolCidrs"])} ${JSON.stringify(config.calico.poolCidrs)}; add ${undeclared.length === 1 ? "it" : "them"} so the config checks see the real pools`);
  }
  return pass(check, `every enabled pool is within ${config.calico.poolCidrs.join(", ")}`);
}

/** Calico is installed the way `calico.mode` says, so the autodetection patch lands where it works. */
export function judgeCalicoMode(config: StackConfig, calico: PreflightSnapshot["calico"]): Finding {
  const check = "preflight/calico-mode";
  const install = detectCalicoInstall(calico);
  const { mode } = config.calico;
  const modeKey = configKey(["calico", "mode"]);
  if (install.mode === "absent") {
    const where = calicoDaemonSetCandidates(config).map((c) => `${c.namespace}/${c.name}`).join(", ");
    return fail(check, `no Calico found: no Installation and no calico-node DaemonSet (${where}); multinet needs Calico as the primary CNI`);
  }
  if (install.mode === "operator") {
    if (mode === "manifest") {
      return fail(check, `Calico is operator-managed (Installation ${install.installations.join(", ")}): the operator reverts DaemonSet patches; set ${modeKey}: operator`);
    }
    if (mode === "operator" && !install.installations.includes(config.calico.installationName)) {
      return fail(check, `Installation ${config.calico.installationName} not found (found ${install.installations.join(", ")}); set ${configKey(["calico", "installationName"])}`);
    }
    return pass(check, `operator-managed Calico (Installation ${install.installations.join(", ")}), ${modeKey} is ${mode}`);
  }
  if (mode === "operator") {
    return fail(check, `Calico is a manifest install (DaemonSet ${install.daemonSets.join(", ")}, no Installation); set ${modeKey}: manifest`);
  }
  if (mode === "manifest") {
    const wanted = `${config.calico.namespace}/${config.calico.daemonSetName}`;
    const ds = calico.daemonSets.find((d) => `${d.metadata?.namespace}/${d.metadata?.name}` === wanted);
    if (!ds) return fail(check, `DaemonSet ${wanted} not found; calico-node runs as ${install.daemonSets.join(", ")}: set ${configKey(["calico", "namespace"])} / ${configKey(["calico", "daemonSetName"])}`);
    const containers = (ds.spec?.template.spec?.containers ?? []).map((c) => c.name);
    if (!containers.includes(config.calico.containerName)) {
      return fail(check, `DaemonSet ${wanted} has no container ${config.calico.containerName} (containers: ${containers.join(", ")}); set ${configKey(["calico", "containerName"])}`);
    }
    // The patch names the init container; one that does not exist would be created without an image.
    const initContainers = (ds.spec?.template.spec?.initContainers ?? []).map((c) => c.name);
    if (config.calico.skipCniBinaries.length && !initContainers.includes(calicoInstallCniContainer)) {
      return fail(check, `DaemonSet ${wanted} has no init container ${calicoInstallCniContainer} (Calico's CNI installer; init containers: ${initContainers.join(", ") || "none"}), which would get SKIP_CNI_BINARIES; set ${configKey(["calico", "skipCniBinaries"])}: []`);
    }
  }
  return pass(check, `manifest-installed Calico (DaemonSet ${install.daemonSets.join(", ")}), ${modeKey} is ${mode}`);
}


/**
 * Every namespace the stack needs exists, unless multinet creates it; one multinet creates does not
 * exist yet as someone else's (creating it would fail with AlreadyExists, and destroy would delete it).
 */
/** Keys with a createNamespace of their own, for a namespace multinet may create. */
const mayCreate = (key: string, name: string) =>
  (key.startsWith(configKey(["networks"])) || key.startsWith(configKey(["flannel"]))) && !systemNamespaces.includes(name);

export function judgeNamespaces(config: StackConfig, namespaces: readonly INamespace[], stack: string): Finding {
  const check = "preflight/namespaces";
  const existing = new Map(namespaces.map((ns) => [ns.metadata?.name ?? "", ns]));
  const problems: string[] = [];
  const needed = neededNamespaces(config);
  for (const { name, key, created } of needed) {
    const found = existing.get(name);
    const owner = found && ownerOf(found.metadata?.labels, stack);
    if (created && owner && owner.owner !== "this stack") {
      const whose = owner.owner === "other stack" ? `multinet stack ${owner.stack}'s` : "not multinet's";
      problems.push(`${name} (${key}) already exists and is ${whose}, but the stack would create it (and delete it on destroy); set its createNamespace: false to use it as it is`);
    } else if (!created && !found) {
      problems.push(`${name} (${key}) does not exist, and multinet creates only namespaces it owns; create it (kubectl create namespace ${name})${mayCreate(key, name) ? " or set its createNamespace: true" : ""}`);
    }
  }
  if (problems.length) return fail(check, problems.join("; "));
  const describe = (n: { name: string; created: boolean }) => `${n.name}${n.created ? " (created by multinet)" : ""}`;
  return pass(check, `${needed.map(describe).join(", ")} ready`);
}

/**
 * `stack`: whose objects count as this stack's own; `adoptExisting`: the stack sets
 * kubernetes:upsertExistingObjects (`--adopt-existing`).
 */
export function preflightFindings(config: StackConfig, snapshot: PreflightSnapshot, run: { stack: string; adoptExisting?: boolean }): Finding[] {
  return [
    judgeNamespaces(config, snapshot.namespaces, run.stack),
    judgeExistingObjects(snapshot.existing, run.stack, run.adoptExisting ?? false),
    judgeNodePodCidrs(config, snapshot.nodes),
    judgePodCidrsInNetwork(config, snapshot.nodes),
    judgePoolOverlap(config, snapshot),
    judgePoolsDeclared(config, snapshot),
    judgeCalicoMode(config, snapshot.calico),
  ];
}
