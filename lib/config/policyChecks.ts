/**
 * Checks of `multinet:policies` and `multinet:multiNetworkPolicy` that span keys: the enforcer is
 * deployed and pinned, every network a policy names is a NAD multinet defines and of a type the
 * enforcer polices, names are unique.
 */
import { configKey } from "./errors";
import type { StackConfig } from "./schema";

/** `namespace/name` a policy-for entry means: without a namespace, the policy's (server.go:628-633). */
export function policyNetworkReference(entry: string, policyNamespace: string): string {
  return entry.includes("/") ? entry : `${policyNamespace}/${entry}`;
}

export function policyProblems({ networks, multiNetworkPolicy, policies }: Partial<StackConfig>): string[] {
  const problems: string[] = [];
  if (multiNetworkPolicy?.enabled && multiNetworkPolicy.image === undefined) {
    problems.push(`${configKey(["multiNetworkPolicy", "image"])}: (not set) but ${configKey(["multiNetworkPolicy", "enabled"])} is true; allowed: the enforcer's image pinned by digest (upstream publishes only floating tags), e.g. ghcr.io/k8snetworkplumbingwg/multi-networkpolicy-iptables@sha256:<digest>`);
  }
  if (!policies) return problems;
  if (multiNetworkPolicy && !multiNetworkPolicy.enabled && policies.length) {
    problems.push(`${configKey(["policies"])}: ${policies.length} ${policies.length === 1 ? "policy" : "policies"} but ${configKey(["multiNetworkPolicy", "enabled"])} is false, so nothing would enforce them; allowed: enable multiNetworkPolicy, or no policies`);
  }
  const nads = new Map((networks ?? []).map((network, i) => [`${network.namespace}/${network.name}`, { network, i }]));
  const seen = new Map<string, number>();
  policies.forEach((policy, p) => {
    const id = `${policy.namespace}/${policy.name}`;
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push(`${configKey(["policies", p, "name"])}: "${policy.name}" is already used by ${configKey(["policies", first])} in namespace "${policy.namespace}"; allowed: names unique per namespace`);
    } else {
      seen.set(id, p);
    }
    policy.networks.forEach((entry, n) => {
      const key = configKey(["policies", p, "networks", n]);
      const reference = policyNetworkReference(entry, policy.namespace);
      const target = nads.get(reference);
      if (networks && !target) {
        problems.push(`${key}: "${entry}" (${reference}) is not defined in multinet:networks; allowed: ${nads.size ? [...nads.keys()].join(", ") : "none (multinet:networks is empty)"}`);
        return;
      }
      if (!target || !multiNetworkPolicy) return;
      const handled: readonly string[] = multiNetworkPolicy.networkPlugins;
      if (!handled.includes(target.network.type)) {
        const why = (["flannel", "bridge"] as string[]).includes(target.network.type)
          ? `multi-networkpolicy-iptables does not police ${target.network.type} attachments`
          : `it is not in ${configKey(["multiNetworkPolicy", "networkPlugins"])} ${JSON.stringify(handled)}`;
        problems.push(`${key}: "${entry}" is a ${target.network.type} network (${configKey(["networks", target.i, "type"])}) and ${why}, so the policy would silently do nothing; allowed: a NAD of type ${handled.join(", ")}`);
      }
    });
  });
  return problems;
}
