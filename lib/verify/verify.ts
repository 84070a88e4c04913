/**
 * The verifier's judging logic: given the validated stack config and what the cluster returned
 * (API objects, the text of the sample pod's /proc/net/route, ping output), one finding per check.
 * Pure: no I/O, so every verdict is unit-tested on real objects. What a check expects comes from
 * the same builders the deploy uses (lib/multus.ts, lib/flannel.ts, lib/calico.ts, lib/networks.ts).
 */
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import { isDeepStrictEqual } from "node:util";
import * as ipaddr from "ipaddr.js";
import { autodetectionEnvValue, autodetectionOperatorValue, calicoPatch } from "../build/calico";
import { cidrContains, parseCidr } from "../net/cidr";
import { networkStatusAnnotation, type AutodetectionMethod, type StackConfig } from "../config";
import { flannelObjects } from "../build/flannel";
import { logicalName } from "../build/objects";
import { multusObjects } from "../build/multus";
import { networkAttachmentDefinition } from "../build/networks";
import { parseProcNetRoute, type ProcRoute } from "../net/procnet";
import { samplePod as samplePodObject } from "../build/samplePod";
import { expectedAttachments, parseNetworkStatus, type ExpectedAttachment, type NetworkStatusEntry } from "./attachments";
import { fail, pass, skip, type Finding } from "./findings";
import { judgePing, pingableReason, type PingResult } from "./peer";
import { defaultRoute, describeRoute, networkRoutedVia } from "./routes";
import { eligibleNodes, ineligibleReason, listShort, nodeName } from "./scheduling";

/** A DaemonSet as read from the cluster, with the pods it owns. */
export interface DaemonSetState {
  daemonSet?: IDaemonSet;
  /** Its pods; omit to judge from the DaemonSet's status alone. */
  pods?: IPod[];
}

/** Any object read through the API (NADs, the Tigera Installation). */
export interface ApiObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}

export interface SamplePodState {
  /** Undefined when the pod does not exist. */
  pod?: IPod;
  /** Messages of the pod's Warning events, oldest first (a failed sandbox says why here). */
  warnings?: string[];
  /** `cat /proc/net/route` inside the pod, or why it could not be read. */
  procNetRoute?: string | { error: string };
}

/** One attachment's ping from the peer pod. */
export interface PingAttempt {
  ifname: string;
  /** The sample pod's address on `ifname`. */
  target: string;
  /** The peer's own address on `ifname`, from its network-status. */
  peerAddress?: string;
  /** Why the ping was not sent: the peer's address on `ifname` would make a reply prove nothing. */
  problem?: string;
  result?: PingResult;
}

/** `cleanup`: why the peer pod could not be deleted (a note; it stops itself by its deadline). */
export type PingObservation =
  | { skipped: string }
  | { error: string; cleanup?: string }
  | { peer: string; peerNode: string; samplePodNode: string; results: PingAttempt[]; cleanup?: string };

/** A core/v1 Event as listed, the fields the verifier reads. */
export interface PodEvent {
  reason?: string;
  message?: string;
  involvedObject?: { uid?: string };
  eventTime?: string | null;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
  series?: { lastObservedTime?: string | null } | null;
}

export interface VerifySnapshot {
  nodes: INode[];
  multus: DaemonSetState;
  /** Present when the stack deploys Flannel. */
  flannel?: DaemonSetState;
  calico: {
    /** calico-node: the stack's DaemonSet (manifest) or calico-system/calico-node (operator). */
    daemonSet?: IDaemonSet;
    /** The Installation (operator mode). */
    installation?: ApiObject;
  };
  /** Every NAD of the stack by `namespace/name`; undefined when it does not exist. */
  nads: Record<string, ApiObject | undefined>;
  /** Present when the stack has a sample pod. */
  samplePod?: SamplePodState;
  /** Present when the ping was asked for. */
  ping?: PingObservation;
}

/** Where calico-node runs when the Tigera operator manages it. */
export const operatorCalicoNode = { namespace: "calico-system", name: "calico-node" } as const;

/** The API objects the verifier reads for a stack: one place for the shell and the tests. */
export function verifyTargets(config: StackConfig) {
  const multus = multusObjects(config.multus).daemonSet.metadata;
  const flannel = config.flannel.enabled ? flannelObjects(config.flannel).daemonSet.metadata : undefined;
  const calicoDaemonSet = config.calico.mode === "operator"
    ? operatorCalicoNode
    : config.calico.mode === "manifest" ? { namespace: config.calico.namespace, name: config.calico.daemonSetName } : undefined;
  const pod = samplePodObject(config.samplePod, []);
  return {
    multus: { namespace: multus.namespace, name: multus.name },
    flannel: flannel ? { namespace: flannel.namespace, name: flannel.name } : undefined,
    calicoDaemonSet,
    installation: config.calico.mode === "operator" ? config.calico.installationName : undefined,
    nads: config.networks.map((network) => networkAttachmentDefinition(network).metadata),
    samplePod: config.samplePod.enabled
      ? { namespace: pod.metadata.namespace, name: pod.metadata.name, container: pod.spec!.containers[0].name }
      : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// DaemonSets
// ---------------------------------------------------------------------------------------------

const isReady = (pod: IPod) => !pod.metadata?.deletionTimestamp
  && (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

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
  const problems: string[] = [];
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  if (updated < desired) problems.push(`${updated}/${desired} pods updated`);
  if (available < desired) problems.push(`${available}/${desired} pods available`);
  if (state.pods) {
    const readyOn = new Set(state.pods.filter(isReady).map((pod) => pod.spec?.nodeName));
    const missing = eligible.map(nodeName).filter((node) => !readyOn.has(node));
    if (missing.length) problems.push(`no ready pod on ${listShort(missing)}`);
  }
  if (problems.length) return fail(check, `${ref}: ${problems.join("; ")}`);
  const onNodes = state.pods ? ` on all ${eligible.length} eligible node${eligible.length === 1 ? "" : "s"}` : "";
  return pass(check, `${ref}: ${desired}/${desired} pods updated and available${onNodes}`);
}

// ---------------------------------------------------------------------------------------------
// Calico
// ---------------------------------------------------------------------------------------------

interface EnvVar { name: string; value?: string; valueFrom?: unknown }

/** What is wrong with `env` against the wanted plain values, one phrase per variable. */
function envProblems(wanted: readonly EnvVar[], env: readonly EnvVar[]): string[] {
  return wanted.flatMap((want) => {
    const have = env.find((e) => e.name === want.name);
    if (!have) return [`${want.name} is not set (want ${want.value})`];
    if (have.valueFrom) return [`${want.name} comes from valueFrom (want the value ${want.value})`];
    return have.value === want.value ? [] : [`${want.name}=${have.value ?? ""} (want ${want.value})`];
  });
}

/**
 * The env the Tigera operator renders into calico-system/calico-node for the Installation we patch:
 * the manifest's value, except skipInterface, which the operator takes as one regex (our `a|b`).
 */
export function operatorCalicoNodeEnv(config: StackConfig): EnvVar[] {
  const value = (method: AutodetectionMethod) => method.skipInterface !== undefined
    ? `skip-interface=${String(autodetectionOperatorValue(method).skipInterface)}`
    : autodetectionEnvValue(method);
  const { ipv4Autodetection, ipv6Autodetection } = config.calico;
  return [
    ...(ipv4Autodetection ? [{ name: "IP_AUTODETECTION_METHOD", value: value(ipv4Autodetection) }] : []),
    ...(ipv6Autodetection ? [{ name: "IP6_AUTODETECTION_METHOD", value: value(ipv6Autodetection) }] : []),
  ];
}

/**
 * calico-node is rolled out with the stack's autodetection. In operator mode the Installation may
 * already say the right thing while the operator has not re-rendered calico-node, so its rollout
 * would be the old one: judge the rollout only once the rendered env matches.
 */
export function judgeCalicoRollout(config: StackConfig, where: { namespace: string; name: string }, calico: VerifySnapshot["calico"], nodes: readonly INode[]): Finding {
  const check = "calico/rollout";
  const rollout = judgeRollout(check, where, { daemonSet: calico.daemonSet }, nodes);
  if (config.calico.mode !== "operator" || !calico.daemonSet) return rollout;
  const ref = `DaemonSet ${where.namespace}/${where.name}`;
  const wanted = operatorCalicoNodeEnv(config);
  const container = calico.daemonSet.spec?.template.spec?.containers.find((c) => c.name === "calico-node");
  if (!container) return fail(check, `${ref} has no container calico-node`);
  const wrong = envProblems(wanted, (container.env ?? []) as EnvVar[]);
  if (wrong.length) return fail(check, `${ref}: ${wrong.join("; ")}: the operator has not rendered the Installation's autodetection yet`);
  if (!rollout.ok) return rollout;
  return pass(check, `${rollout.detail}; renders ${wanted.map((e) => `${e.name}=${e.value}`).join(", ")}`);
}

/** `firstFound: false` means the same to the operator as no firstFound: compare methods without it. */
function withoutFirstFoundOff(calicoNetwork: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(calicoNetwork).map(([field, value]) => {
    if (!value || typeof value !== "object" || (value as { firstFound?: unknown }).firstFound !== false) return [field, value];
    const method = { ...(value as Record<string, unknown>) };
    delete method.firstFound;
    return [field, method];
  }));
}

/** calico-node (or the Installation) carries exactly the autodetection the stack's patch sets. */
export function judgeCalicoAutodetection(config: StackConfig, calico: VerifySnapshot["calico"]): Finding {
  const check = "calico/autodetection";
  const patch = calicoPatch(config.calico);
  if (!patch) return skip(check, "multinet:calico.mode is none: Calico is left alone");

  if (config.calico.mode === "manifest") {
    const ref = `DaemonSet ${config.calico.namespace}/${config.calico.daemonSetName}`;
    if (!calico.daemonSet) return fail(check, `${ref} not found`);
    const wanted = (patch.spec as { template: { spec: { containers: Array<{ env: EnvVar[] }> } } }).template.spec.containers[0].env;
    const container = calico.daemonSet.spec?.template.spec?.containers.find((c) => c.name === config.calico.containerName);
    if (!container) return fail(check, `${ref} has no container ${config.calico.containerName}`);
    const wrong = envProblems(wanted, (container.env ?? []) as EnvVar[]);
    if (wrong.length) return fail(check, `${ref}: ${wrong.join("; ")}`);
    return pass(check, `${ref}: ${wanted.map((e) => `${e.name}=${e.value}`).join(", ")}`);
  }

  const ref = `Installation ${config.calico.installationName}`;
  if (!calico.installation) return fail(check, `${ref} not found`);
  const wanted = withoutFirstFoundOff((patch.spec as { calicoNetwork: Record<string, unknown> }).calicoNetwork);
  const have = withoutFirstFoundOff((calico.installation.spec?.calicoNetwork ?? {}) as Record<string, unknown>);
  const wrong = Object.entries(wanted)
    .filter(([field, value]) => !isDeepStrictEqual(have[field], value))
    .map(([field, value]) => `spec.calicoNetwork.${field} is ${JSON.stringify(have[field]) ?? "unset"} (want ${JSON.stringify(value)})`);
  if (wrong.length) return fail(check, `${ref}: ${wrong.join("; ")}`);
  return pass(check, `${ref}: ${Object.entries(wanted).map(([f, v]) => `${f} ${JSON.stringify(v)}`).join(", ")}`);
}

const calicoAddressAnnotations = { ipv4: "projectcalico.org/IPv4Address", ipv6: "projectcalico.org/IPv6Address" } as const;

/**
 * A partial check of the node addresses calico-node picked (it writes them to each Node's
 * annotations): none lies in the Flannel network, and for `cidrs` / `kubernetesInternalIP` methods
 * each fits the method. Which interface an address sits on is not visible through the API, so
 * `interface`, `skipInterface`, `canReach` and `firstFound` are not confirmed beyond the Flannel test;
 * the detail says so.
 */
export function judgeCalicoNodeAddresses(config: StackConfig, nodes: readonly INode[]): Finding {
  const check = "calico/node-addresses";
  const flannelNetwork = config.flannel.enabled ? parseCidr(config.flannel.network) : undefined;
  const problems: string[] = [];
  const seen: string[] = [];
  const proven: string[] = flannelNetwork ? [`none in the Flannel network ${config.flannel.network}`] : [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const method: AutodetectionMethod | undefined = family === "ipv4" ? config.calico.ipv4Autodetection : config.calico.ipv6Autodetection;
    const judged = config.calico.mode !== "none" && method !== undefined;
    const annotated = nodes.filter((node) => node.metadata?.annotations?.[calicoAddressAnnotations[family]]);
    for (const node of annotated) {
      const ip = node.metadata!.annotations![calicoAddressAnnotations[family]].split("/")[0];
      seen.push(`${nodeName(node)} ${ip}`);
      if (flannelNetwork && cidrContains(flannelNetwork, ip)) {
        problems.push(`${nodeName(node)} uses ${ip}, inside the Flannel network ${config.flannel.network} (Calico picked a Flannel interface)`);
      }
      if (!judged) continue;
      if (method.cidrs && !method.cidrs.some((c) => cidrContains(parseCidr(c)!, ip))) {
        problems.push(`${nodeName(node)} uses ${ip}, outside ${method.cidrs.join(", ")}`);
      }
      if (method.kubernetesInternalIP) {
        const internal = (node.status?.addresses ?? []).filter((a) => a.type === "InternalIP").map((a) => a.address);
        if (!internal.includes(ip)) problems.push(`${nodeName(node)} uses ${ip}, not its InternalIP ${internal.join(", ") || "(none)"}`);
      }
    }
    if (!judged || !annotated.length) continue;
    const label = family === "ipv4" ? "IPv4" : "IPv6";
    if (method.cidrs) proven.push(`${label} within ${method.cidrs.join(", ")}`);
    else if (method.kubernetesInternalIP) proven.push(`${label} the nodes' InternalIPs`);
    else proven.push(`${label} ${autodetectionEnvValue(method)} itself not checked (the API does not show which interface an address is on)`);
  }
  if (!seen.length) return skip(check, "no node carries projectcalico.org/IPv4Address or IPv6Address yet");
  if (problems.length) return fail(check, problems.join("; "));
  return pass(check, `${listShort(seen, 4)}: ${proven.join("; ") || "nothing to check them against"}`);
}

// ---------------------------------------------------------------------------------------------
// NADs
// ---------------------------------------------------------------------------------------------

/** Paths where two JSON values differ: `plugins[0].mtu: 1500, want 9000`. */
export function jsonDifferences(want: unknown, have: unknown, path = ""): string[] {
  if (isDeepStrictEqual(want, have)) return [];
  const bothObjects = want && have && typeof want === "object" && typeof have === "object" && Array.isArray(want) === Array.isArray(have);
  if (!bothObjects) return [`${path || "(config)"}: ${JSON.stringify(have) ?? "missing"}, want ${JSON.stringify(want) ?? "absent"}`];
  const keys = new Set([...Object.keys(want as object), ...Object.keys(have as object)]);
  return [...keys].flatMap((key) => {
    const child = Array.isArray(want) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    return jsonDifferences((want as Record<string, unknown>)[key], (have as Record<string, unknown>)[key], child);
  });
}

export function judgeNads(config: StackConfig, nads: VerifySnapshot["nads"]): Finding[] {
  return config.networks.map((network) => {
    const expected = networkAttachmentDefinition(network);
    const ref = logicalName(expected);
    const check = `nad/${ref}`;
    const nad = nads[ref];
    if (!nad) return fail(check, `NetworkAttachmentDefinition ${ref} not found`);
    const text = nad.spec?.config;
    if (typeof text !== "string") return fail(check, `${ref} has no spec.config`);
    let have: unknown;
    try {
      have = JSON.parse(text);
    } catch (error) {
      return fail(check, `${ref}: spec.config is not JSON (${(error as Error).message})`);
    }
    const differences = jsonDifferences(JSON.parse(expected.spec.config), have);
    if (differences.length) return fail(check, `${ref}: ${listShort(differences, 3)}`);
    return pass(check, `${ref}: config as declared (${network.type}, cniVersion ${network.cniVersion}${network.sourceBasedRouting ? ", sbr" : ""})`);
  });
}

// ---------------------------------------------------------------------------------------------
// The sample pod
// ---------------------------------------------------------------------------------------------

function podProblem(pod: IPod, warnings: readonly string[]): string {
  const phase = pod.status?.phase ?? "Unknown";
  const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).filter(Boolean);
  const last = warnings.length ? `; last warning: ${warnings[warnings.length - 1]}` : "";
  return `${phase}${waiting.length ? ` (${waiting.join(", ")})` : ""}${last}`;
}

function attachmentEntry(entries: NetworkStatusEntry[], attachment: ExpectedAttachment): { entry?: NetworkStatusEntry; problem?: string; ip?: string } {
  const entry = entries.find((e) => e.interface === attachment.ifname);
  if (!entry) {
    return { problem: `network-status has no ${attachment.ifname} (interfaces: ${entries.map((e) => e.interface ?? `${e.name} (no interface)`).join(", ")})` };
  }
  if (entry.name !== attachment.reference) return { entry, problem: `${attachment.ifname} belongs to ${entry.name}, want ${attachment.reference}` };
  const ips = entry.ips ?? [];
  const ip = ips.find((candidate) => attachment.addresses.some((rule) => rule.matches(candidate)));
  if (!ip) {
    return { entry, problem: `${attachment.ifname} (${entry.name}) has ${ips.join(", ") || "no address"}, want an address ${attachment.addresses.map((r) => r.describe).join(" or ")}` };
  }
  return { entry, ip };
}

/** Sample-pod checks, and the address of each attachment (for the ping). */
function judgeSamplePod(config: StackConfig, state: SamplePodState | undefined): { findings: Finding[]; addresses: Map<string, string> } {
  const addresses = new Map<string, string>();
  const targets = verifyTargets(config).samplePod;
  if (!targets) return { findings: [skip("pod", "multinet:samplePod.enabled is false: no sample pod to look into")], addresses };
  const ref = `${targets.namespace}/${targets.name}`;
  const attachments = expectedAttachments(config.samplePod, config.networks, config.flannel);
  const later = (reason: string) => [
    skip("pod/network-status", `not checked: ${reason}`),
    skip("pod/default-route", `not checked: ${reason}`),
  ];

  const pod = state?.pod;
  if (!pod) return { findings: [fail("pod/running", `pod ${ref} not found`), ...later("no pod")], addresses };
  if (pod.status?.phase !== "Running") {
    return { findings: [fail("pod/running", `pod ${ref} is ${podProblem(pod, state?.warnings ?? [])}`), ...later("the pod is not running")], addresses };
  }
  const findings: Finding[] = [pass("pod/running", `pod ${ref} is Running on ${pod.spec?.nodeName ?? "(unknown node)"}`)];

  // What Multus reports.
  const status = parseNetworkStatus(pod.metadata?.annotations?.[networkStatusAnnotation]);
  if ("error" in status) {
    findings.push(fail("pod/network-status", status.error));
  } else {
    const defaults = status.entries.filter((e) => e.default);
    if (defaults.length !== 1) {
      findings.push(fail("pod/network-status", `${defaults.length} entries are marked default (want exactly one, eth0): ${status.entries.map((e) => e.name).join(", ")}`));
    } else if (defaults[0].interface !== undefined && defaults[0].interface !== "eth0") {
      findings.push(fail("pod/network-status", `the default network ${defaults[0].name} is on ${defaults[0].interface}, want eth0`));
    } else {
      findings.push(pass("pod/network-status", `default ${defaults[0].name} on ${defaults[0].interface ?? "eth0 (interface not reported)"} ${(defaults[0].ips ?? []).join(", ")}`.trim()));
    }
    for (const attachment of attachments) {
      const check = `pod/attachment/${attachment.ifname}`;
      const { problem, ip } = attachmentEntry(status.entries, attachment);
      if (problem) findings.push(fail(check, problem));
      else {
        addresses.set(attachment.ifname, ip!);
        findings.push(pass(check, `${attachment.ifname} (${attachment.reference}) has ${ip}, ${attachment.addresses.find((r) => r.matches(ip!))!.describe}`));
      }
    }
  }

  // What the pod's kernel routes.
  const raw = state?.procNetRoute;
  let routes: ProcRoute[] | undefined;
  let routeError: string | undefined;
  if (raw === undefined) routeError = "the pod's /proc/net/route was not read";
  else if (typeof raw !== "string") routeError = `could not read the pod's /proc/net/route: ${raw.error}`;
  else {
    try {
      routes = parseProcNetRoute(raw);
    } catch (error) {
      routeError = `the pod's /proc/net/route did not parse: ${(error as Error).message}`;
    }
  }
  if (!routes) {
    findings.push(fail("pod/default-route", routeError!));
    return { findings, addresses };
  }
  const byDefault = defaultRoute(routes);
  if (!byDefault) findings.push(fail("pod/default-route", "the pod has no default route"));
  else if (byDefault.iface !== "eth0") findings.push(fail("pod/default-route", `the default route is ${describeRoute(byDefault)}, want dev eth0 (an attachment took the default route: isDefaultGateway?)`));
  else findings.push(pass("pod/default-route", describeRoute(byDefault)));

  for (const attachment of attachments) {
    const check = `pod/route/${attachment.ifname}`;
    if (attachment.network.sourceBasedRouting) {
      findings.push(skip(check, `${attachment.reference} uses source-based routing: its routes live in a policy table, which /proc/net/route does not show`));
      continue;
    }
    if (!attachment.routed.length) {
      findings.push(skip(check, `${attachment.reference} has no IPv4 destination; /proc/net/route shows IPv4 only`));
      continue;
    }
    const verdicts = attachment.routed.map((cidr) => networkRoutedVia(routes, cidr, attachment.ifname));
    const bad = verdicts.filter((v) => !v.ok);
    findings.push(bad.length ? fail(check, bad.map((v) => v.detail).join("; ")) : pass(check, verdicts.map((v) => v.detail).join("; ")));
  }
  return { findings, addresses };
}

// ---------------------------------------------------------------------------------------------
// Ping
// ---------------------------------------------------------------------------------------------

/** The sample pod's attachments that a peer pod on another node can ping, with why others cannot. */
export function pingPlan(config: StackConfig): { attachments: ExpectedAttachment[]; skipped: Finding[] } {
  const all = expectedAttachments(config.samplePod, config.networks, config.flannel);
  const attachments = all.filter((a) => !pingableReason(a));
  const skipped = all.filter((a) => pingableReason(a)).map((a) => skip(`ping/${a.ifname}`, `${a.reference}: ${pingableReason(a)}`));
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
  const readyOn = (state: DaemonSetState) => new Set((state.pods ?? []).filter(isReady).map((pod) => pod.spec?.nodeName));
  const multus = readyOn(snapshot.multus);
  const flannel = snapshot.flannel ? readyOn(snapshot.flannel) : undefined;
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

function judgePingObservation(config: StackConfig, observation: PingObservation | undefined): Finding[] {
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
      return verdict.ok ? pass(`ping/${ifname}`, `${route}: ${verdict.detail}${note}`) : fail(`ping/${ifname}`, `${route}: ${verdict.detail}${note}`);
    }),
    ...skipped,
  ];
}

// ---------------------------------------------------------------------------------------------
// All checks
// ---------------------------------------------------------------------------------------------

/** Every verification finding for a stack, in a fixed order. */
export function verifyFindings(config: StackConfig, snapshot: VerifySnapshot): Finding[] {
  const targets = verifyTargets(config);
  const findings: Finding[] = [
    judgeRollout("multus/rollout", targets.multus, snapshot.multus, snapshot.nodes),
    targets.flannel
      ? judgeRollout("flannel/rollout", targets.flannel, snapshot.flannel ?? {}, snapshot.nodes)
      : skip("flannel/rollout", "multinet:flannel.enabled is false"),
    judgeCalicoAutodetection(config, snapshot.calico),
    targets.calicoDaemonSet
      ? judgeCalicoRollout(config, targets.calicoDaemonSet, snapshot.calico, snapshot.nodes)
      : skip("calico/rollout", "multinet:calico.mode is none"),
    judgeCalicoNodeAddresses(config, snapshot.nodes),
    ...judgeNads(config, snapshot.nads),
  ];
  const pod = judgeSamplePod(config, snapshot.samplePod);
  findings.push(...pod.findings, ...judgePingObservation(config, snapshot.ping));
  return findings;
}

/** The sample pod's attachment addresses by interface, from its network-status (for the ping). */
export function samplePodAddresses(config: StackConfig, state: SamplePodState | undefined): Map<string, string> {
  return judgeSamplePod(config, state).addresses;
}

/** When an event was last seen, the same way for old-style (lastTimestamp) and new-style (eventTime, series) events. */
function lastSeen(event: PodEvent): number {
  const text = event.series?.lastObservedTime || event.eventTime || event.lastTimestamp || event.firstTimestamp;
  return text ? Date.parse(text) || 0 : 0;
}

/**
 * The Warning events of one pod object, oldest first, one line each. By UID: a pod deleted and
 * created again under the same name must not show its predecessor's failures.
 */
export function podWarningMessages(events: readonly PodEvent[], uid: string | undefined): string[] {
  return events
    .filter((event) => !uid || event.involvedObject?.uid === uid)
    .sort((a, b) => lastSeen(a) - lastSeen(b))
    .map((event) => `${event.reason ?? "Warning"}: ${(event.message ?? "").replace(/\s+/g, " ").slice(0, 300)}`);
}
