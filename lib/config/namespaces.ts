/**
 * Which namespaces a stack needs, and which of them multinet owns (creates, and deletes on destroy).
 * multinet owns only namespaces the config says to create; every other one must exist already and
 * is never created or deleted (the preflight checks that it exists).
 */
import { configKey } from "./errors";
import type { StackConfig } from "./schema";

export { systemNamespaces } from "./values";

export interface NeededNamespace {
  name: string;
  /** The config key that asks for it, for findings. */
  key: string;
  /** multinet creates it (and deletes it on destroy). */
  created: boolean;
}

/** Every namespace the stack puts something in, once each; `created` when any asker creates it. */
export function neededNamespaces(config: StackConfig): NeededNamespace[] {
  const askers: NeededNamespace[] = [
    { name: config.multus.namespace, key: configKey(["multus", "namespace"]), created: false },
    ...(config.flannel.enabled ? [{ name: config.flannel.namespace, key: configKey(["flannel", "namespace"]), created: config.flannel.createNamespace }] : []),
    ...(config.cniPlugins.enabled ? [{ name: config.cniPlugins.namespace, key: configKey(["cniPlugins", "namespace"]), created: false }] : []),
    ...config.networks.map((network, i) => ({ name: network.namespace, key: configKey(["networks", i, "namespace"]), created: network.createNamespace })),
    ...(config.whereabouts.enabled ? [{ name: config.whereabouts.namespace, key: configKey(["whereabouts", "namespace"]), created: false }] : []),
    ...(config.multiNetworkPolicy.enabled ? [
      { name: config.multiNetworkPolicy.namespace, key: configKey(["multiNetworkPolicy", "namespace"]), created: false },
      ...config.policies.map((policy, i) => ({ name: policy.namespace, key: configKey(["policies", i, "namespace"]), created: false })),
    ] : []),
    ...(config.samplePod.enabled ? [{ name: config.samplePod.namespace, key: configKey(["samplePod", "namespace"]), created: false }] : []),
  ];
  const byName = new Map<string, NeededNamespace>();
  for (const asker of askers) {
    const first = byName.get(asker.name);
    if (!first) byName.set(asker.name, { ...asker });
    else if (asker.created && !first.created) byName.set(asker.name, { ...asker });
  }
  return [...byName.values()];
}

/** The NAD namespaces multinet creates (the flannel namespace is FlannelAttachment's own). */
export function createdNetworkNamespaces(config: StackConfig): string[] {
  const flannelOwn = config.flannel.enabled && config.flannel.createNamespace ? config.flannel.namespace : undefined;
  return [...new Set(config.networks.filter((n) => n.createNamespace && n.namespace !== flannelOwn).map((n) => n.namespace))];
}
