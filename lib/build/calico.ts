/**
 * Calico node-address autodetection: one typed method, rendered as the env var string that a
 * manifest-installed calico-node reads, or as the Installation field the Tigera operator reads.
 */
import type { AutodetectionMethod, CalicoConfig } from "../config";
import { configHash, type KubeObject } from "./objects";

/** Prefix of our server-side-apply patches' field manager; the patch's revision follows it. */
export const calicoFieldManager = "multinet-calico-autodetection";

/**
 * The revision of a patch: a hash of its spec. It names the patch's field manager and its Pulumi
 * resource, so a changed patch is a new resource under a new manager (created, then the old one
 * relinquished) and an unchanged one never diffs; see docs/deploying.md for why.
 */
export function calicoPatchRevision(spec: unknown): string {
  return configHash(JSON.stringify(spec, sortedKeys)).slice(0, 8);
}

/** JSON.stringify replacer that orders object keys, so equal specs hash equally whatever their key order. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function patchAnnotations(spec: unknown) {
  return {
    "pulumi.com/patchFieldManager": `${calicoFieldManager}-${calicoPatchRevision(spec)}`,
    // calico-node's manifest owns the env list; we take over just our variables.
    "pulumi.com/patchForce": "true",
  };
}

/** `IP_AUTODETECTION_METHOD` value: interface=eth0, cidr=10.0.0.0/8,… */
export function autodetectionEnvValue(method: AutodetectionMethod): string {
  if (method.firstFound) return "first-found";
  if (method.kubernetesInternalIP) return "kubernetes-internal-ip";
  if (method.interface !== undefined) return `interface=${method.interface}`;
  if (method.skipInterface !== undefined) return `skip-interface=${method.skipInterface.join(",")}`;
  if (method.canReach !== undefined) return `can-reach=${method.canReach}`;
  if (method.cidrs !== undefined) return `cidr=${method.cidrs.join(",")}`;
  throw new Error("autodetection method has no field set");
}

/**
 * `spec.calicoNetwork.nodeAddressAutodetectionV4/V6` value of the operator's Installation. The
 * operator fills in `firstFound: true` (or a platform default) when no method is set; a patch that
 * only added ours would leave two methods, which the operator rejects. So every other method turns
 * `firstFound` off explicitly.
 */
export function autodetectionOperatorValue(method: AutodetectionMethod): Record<string, unknown> {
  if (method.firstFound) return { firstFound: true };
  const firstFoundOff = { firstFound: false };
  if (method.kubernetesInternalIP) return { ...firstFoundOff, kubernetes: "NodeInternalIP" };
  if (method.interface !== undefined) return { ...firstFoundOff, interface: method.interface };
  // The operator takes one regex; a list becomes an alternation, as calico-node's comma list means.
  if (method.skipInterface !== undefined) return { ...firstFoundOff, skipInterface: method.skipInterface.join("|") };
  if (method.canReach !== undefined) return { ...firstFoundOff, canReach: method.canReach };
  if (method.cidrs !== undefined) return { ...firstFoundOff, cidrs: method.cidrs };
  throw new Error("autodetection method has no field set");
}

/** Name of the init container that runs Calico's installer (calico at versions.calico, manifests/calico.yaml:7501). */
export const calicoInstallCniContainer = "install-cni";

/**
 * Calico's installer copies every binary of its image into /opt/cni/bin at each calico-node start,
 * its own `flannel` build among them, unless the name is in SKIP_CNI_BINARIES (calico at versions.calico,
 * cni-plugin/pkg/install/install.go:51-53, 200-202; a comma list, read with envconfig). Skipped, the
 * flannel-cni-plugin our flannel DaemonSet pins stays the one that runs.
 */
function installCniPatch(config: CalicoConfig): { initContainers?: Array<{ name: string; env: Array<{ name: string; value: string }> }> } {
  if (!config.skipCniBinaries.length) return {};
  return { initContainers: [{ name: calicoInstallCniContainer, env: [{ name: "SKIP_CNI_BINARIES", value: config.skipCniBinaries.join(",") }] }] };
}

/** The partial calico-node DaemonSet that carries only our env vars (manifest installs). */
export function calicoDaemonSetPatch(config: CalicoConfig): KubeObject {
  const env = [
    ...(config.ipv4Autodetection ? [{ name: "IP_AUTODETECTION_METHOD", value: autodetectionEnvValue(config.ipv4Autodetection) }] : []),
    // calico-node autodetects an IPv6 address only with IP6=autodetect, which manifests leave unset.
    ...(config.ipv6Autodetection
      ? [{ name: "IP6", value: "autodetect" }, { name: "IP6_AUTODETECTION_METHOD", value: autodetectionEnvValue(config.ipv6Autodetection) }]
      : []),
  ];
  const spec = { template: { spec: { ...installCniPatch(config), containers: [{ name: config.containerName, env }] } } };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: config.daemonSetName, namespace: config.namespace, annotations: patchAnnotations(spec) },
    spec,
  };
}

/** The partial Installation that carries only the autodetection fields (operator installs). */
export function calicoInstallationPatch(config: CalicoConfig): KubeObject {
  const spec = {
    calicoNetwork: {
      ...(config.ipv4Autodetection ? { nodeAddressAutodetectionV4: autodetectionOperatorValue(config.ipv4Autodetection) } : {}),
      ...(config.ipv6Autodetection ? { nodeAddressAutodetectionV6: autodetectionOperatorValue(config.ipv6Autodetection) } : {}),
    },
  };
  return {
    apiVersion: "operator.tigera.io/v1",
    kind: "Installation",
    metadata: { name: config.installationName, annotations: patchAnnotations(spec) },
    spec,
  };
}

/** What mode `config.mode` patches, or undefined for `none`. */
export function calicoPatch(config: CalicoConfig): KubeObject | undefined {
  switch (config.mode) {
    case "manifest":
      return calicoDaemonSetPatch(config);
    case "operator":
      return calicoInstallationPatch(config);
    case "none":
      return undefined;
  }
}
