/**
 * MultiNetworkPolicy objects from `multinet:policies`. The networks become the
 * `k8s.v1.cni.cncf.io/policy-for` annotation, a comma-separated list of `name` or `namespace/name`
 * (multi-networkpolicy-iptables pkg/server/server.go:622-633); policyTypes are always written, since
 * the enforcer does not imply Ingress (server.go:711-725).
 */
import type { PolicyConfig } from "../config";
import { multiNetworkPolicyApiVersion } from "./multiNetworkPolicyCrd";
import { commonLabels, type KubeObject } from "./objects";

export const policyForAnnotation = "k8s.v1.cni.cncf.io/policy-for";

type Selector = PolicyConfig["podSelector"];
type Peer = PolicyConfig["ingress"][number]["from"][number];
type Port = PolicyConfig["ingress"][number]["ports"][number];

export interface MultiNetworkPolicy extends KubeObject {
  apiVersion: typeof multiNetworkPolicyApiVersion;
  kind: "MultiNetworkPolicy";
  metadata: KubeObject["metadata"] & { namespace: string; annotations: Record<string, string> };
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: Array<"Ingress" | "Egress">;
    ingress?: Array<{ from?: unknown[]; ports?: Port[] }>;
    egress?: Array<{ to?: unknown[]; ports?: Port[] }>;
  };
}

function selector(s: Selector): { matchLabels?: Record<string, string> } {
  return Object.keys(s.matchLabels).length ? { matchLabels: s.matchLabels } : {};
}

function peer(p: Peer): Record<string, unknown> {
  return {
    ...(p.podSelector ? { podSelector: selector(p.podSelector) } : {}),
    ...(p.namespaceSelector ? { namespaceSelector: selector(p.namespaceSelector) } : {}),
    ...(p.ipBlock ? { ipBlock: { cidr: p.ipBlock.cidr, ...(p.ipBlock.except.length ? { except: p.ipBlock.except } : {}) } } : {}),
  };
}

/** An empty list is left out: in a rule, no peers or no ports means all of them. */
function nonEmpty<K extends string, T>(key: K, items: T[]): Partial<Record<K, T[]>> {
  return items.length ? ({ [key]: items } as Record<K, T[]>) : {};
}

export function multiNetworkPolicy(policy: PolicyConfig): MultiNetworkPolicy {
  return {
    apiVersion: multiNetworkPolicyApiVersion,
    kind: "MultiNetworkPolicy",
    metadata: {
      name: policy.name,
      namespace: policy.namespace,
      labels: commonLabels("multi-networkpolicy"),
      annotations: { [policyForAnnotation]: policy.networks.join(",") },
    },
    spec: {
      podSelector: selector(policy.podSelector),
      policyTypes: policy.policyTypes,
      ...nonEmpty("ingress", policy.ingress.map((rule) => ({ ...nonEmpty("from", rule.from.map(peer)), ...nonEmpty("ports", rule.ports) }))),
      ...nonEmpty("egress", policy.egress.map((rule) => ({ ...nonEmpty("to", rule.to.map(peer)), ...nonEmpty("ports", rule.ports) }))),
    },
  };
}
