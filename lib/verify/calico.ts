/**
 * Calico: calico-node (or, in operator mode, the Installation) carries the autodetection the stack's
 * patch sets, calico-node is rolled out with it, and the node addresses Calico picked fit it. What
 * the patch sets comes from the deploy's own builder (lib/build/calico.ts).
 */
import type { INode } from "kubernetes-models/v1/Node";
import { isDeepStrictEqual } from "node:util";
import { autodetectionEnvValue, autodetectionOperatorValue, calicoPatch } from "../build/calico";
import { cidrContains, parseCidr } from "../config/cidr";
import type { AutodetectionMethod, StackConfig } from "../config";
import { fail, pass, skip, type Finding } from "./findings";
import { judgeRollout } from "./rollout";
import { listShort, nodeName } from "./scheduling";
import type { VerifySnapshot } from "./snapshot";

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
