/**
 * The preflight's checks for whereabouts and MultiNetworkPolicy: the namespaces multinet puts them
 * and the policies in exist (multinet does not create them), and no other installation manages
 * them already (a CRD of theirs that multinet did not create: two whereabouts would fight over
 * the binary and the pools, two enforcers over the pods' iptables).
 */
import type { StackConfig } from "../config";
import { fail, pass, type Finding } from "./findings";
import type { ApiObject } from "./snapshot";

/** The CRD whose presence says the add-on is installed. */
export const addonCrds = { whereabouts: "ippools.whereabouts.cni.cncf.io", multiNetworkPolicy: "multi-networkpolicies.k8s.cni.cncf.io" } as const;

export interface AddonsPreflightSnapshot {
  /** Every namespace `addonNamespaces` names: true when it exists. */
  namespaces: Record<string, boolean>;
  /** The add-ons' CRDs by name; undefined when absent. */
  crds: Record<string, (ApiObject & { metadata?: { labels?: Record<string, string> } }) | undefined>;
}

/** The namespaces the enabled add-ons and the policies need. */
export function addonNamespaces(config: StackConfig): string[] {
  return [...new Set([
    ...(config.whereabouts.enabled ? [config.whereabouts.namespace] : []),
    ...(config.multiNetworkPolicy.enabled ? [config.multiNetworkPolicy.namespace, ...config.policies.map((p) => p.namespace)] : []),
  ])];
}

/** The CRDs of the enabled add-ons. */
export function enabledAddonCrds(config: StackConfig): string[] {
  return [
    ...(config.whereabouts.enabled ? [addonCrds.whereabouts] : []),
    ...(config.multiNetworkPolicy.enabled ? [addonCrds.multiNetworkPolicy] : []),
  ];
}

/** The add-on checks, when the stack enables whereabouts or MultiNetworkPolicy. */
export function addonPreflightFindings(config: StackConfig, snapshot: AddonsPreflightSnapshot | undefined): Finding[] {
  if (!enabledAddonCrds(config).length) return [];
  const read = snapshot ?? { namespaces: {}, crds: {} };
  return [judgeAddonNamespaces(config, read), judgeAddonOwnership(config, read)];
}

export function judgeAddonNamespaces(config: StackConfig, snapshot: AddonsPreflightSnapshot): Finding {
  const check = "preflight/addon-namespaces";
  const needed = addonNamespaces(config);
  const missing = needed.filter((namespace) => !snapshot.namespaces[namespace]);
  if (missing.length) return fail(check, `namespace ${missing.join(", ")} does not exist; multinet does not create it: create it first`);
  return pass(check, `namespace ${needed.join(", ")} exist${needed.length === 1 ? "s" : ""}`);
}

export function judgeAddonOwnership(config: StackConfig, snapshot: AddonsPreflightSnapshot): Finding {
  const check = "preflight/addon-ownership";
  const crds = enabledAddonCrds(config);
  const foreign = crds.filter((name) => {
    const crd = snapshot.crds[name];
    return crd !== undefined && crd.metadata?.labels?.["app.kubernetes.io/part-of"] !== "multinet";
  });
  if (foreign.length) {
    return fail(check, `CRD ${foreign.join(", ")} exists and multinet did not create it: another installation manages ${foreign.map((n) => (n === addonCrds.whereabouts ? "whereabouts" : "MultiNetworkPolicy")).join(" and ")}; remove it or disable ${foreign.map((n) => (n === addonCrds.whereabouts ? "multinet:whereabouts" : "multinet:multiNetworkPolicy")).join(", ")}`);
  }
  return pass(check, `${crds.join(", ")}: absent or multinet's`);
}
