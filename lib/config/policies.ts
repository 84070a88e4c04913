/**
 * `multinet:policies`: MultiNetworkPolicy objects, NetworkPolicy-shaped, each for the NADs it
 * names. Validated as the API server reads a NetworkPolicy and as multi-networkpolicy-iptables
 * (commit in versions.ts) reads what it enforces; what it would silently skip is refused.
 */
import { z } from "zod";
import { cidrContains, parseCidr } from "./cidr";
import { cidr, dnsLabel, isDnsLabel, port, strict } from "./values";

const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A label key: `[prefix/]name`, prefix a DNS subdomain, name at most 63 characters. */
const labelKey = z.string().refine((key) => {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  const prefixOk = prefix === undefined || (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix));
  return prefixOk && name.length <= 63 && labelName.test(name);
}, { message: "must be a label key: [prefix/]name, name at most 63 letters, digits, '-', '_' or '.'" });
const labelValue = z.string().refine((value) => value === "" || (value.length <= 63 && labelName.test(value)), {
  message: "must be a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric",
});

/**
 * The enforcer turns every selector into a plain label map (metav1.LabelSelectorAsMap:
 * pkg/server/server.go:608 and policyrules.go:322-341), which fails for set-based expressions; it
 * then logs and skips the policy or the peer. So only matchLabels.
 */
const labelSelector = strict({
  matchLabels: z.record(labelKey, labelValue).default({}),
  matchExpressions: z.array(z.unknown()).refine((expressions) => expressions.length === 0, {
    message: "are not enforced: multi-networkpolicy-iptables reads selectors as plain label maps and skips set-based ones; allowed: matchLabels",
  }).optional(),
});

const ipBlock = strict({ cidr, except: z.array(cidr).default([]) }).superRefine((block, ctx) => {
  const outer = parseCidr(block.cidr)!;
  block.except.forEach((text, i) => {
    const inner = parseCidr(text);
    if (inner && (!cidrContains(outer, inner.address.toString()) || inner.prefix <= outer.prefix)) {
      ctx.addIssue({ code: "custom", path: ["except", i], message: `must be a CIDR strictly inside cidr "${block.cidr}" (the API server rejects others)` });
    }
  });
});

const peer = strict({
  podSelector: labelSelector.optional(),
  namespaceSelector: labelSelector.optional(),
  ipBlock: ipBlock.optional(),
}).superRefine((p, ctx) => {
  const selectors = p.podSelector !== undefined || p.namespaceSelector !== undefined;
  if (p.ipBlock && selectors) ctx.addIssue({ code: "custom", message: "sets ipBlock together with a selector; allowed: ipBlock alone, or podSelector and/or namespaceSelector (NetworkPolicyPeer)" });
  if (!p.ipBlock && !selectors) ctx.addIssue({ code: "custom", message: "is empty; allowed: ipBlock, podSelector or namespaceSelector" });
  // A peer podSelector matches pods of every namespace in the enforcer (policyrules.go:322-331,
  // pods listed with NamespaceAll), not only the policy's as NetworkPolicy says.
  if (p.podSelector && !p.namespaceSelector) {
    ctx.addIssue({ code: "custom", path: ["podSelector"], message: "needs a namespaceSelector: multi-networkpolicy-iptables matches a peer's podSelector in every namespace; allowed: add namespaceSelector, e.g. {matchLabels: {kubernetes.io/metadata.name: <namespace>}}" });
  }
});

const policyPort = strict({
  protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP"),
  // Named ports would reach iptables as service names (policyrules.go:266-271), not the pod's ports.
  port: port.optional(),
});

const peers = z.array(peer).default([]);
const ports = z.array(policyPort).default([]);
const ingressRule = strict({ from: peers, ports });
const egressRule = strict({ to: peers, ports });

/** `[namespace/]name` of a NAD, as the `k8s.v1.cni.cncf.io/policy-for` annotation lists them. */
const networkReference = z.string().refine((text) => text.split("/").length <= 2 && text.split("/").every(isDnsLabel), {
  message: "must be a NAD name or <namespace>/<name>",
});

const policySchema = strict({
  name: dnsLabel.meta({ description: "policy name, unique per namespace" }),
  namespace: dnsLabel.default("default").meta({ description: "namespace of the policy and of the pods it selects (must exist)" }),
  networks: z.array(networkReference).min(1).meta({ description: "the NADs it is for, each `name` (in the policy's namespace) or `namespace/name`, from `multinet:networks`; written as the `k8s.v1.cni.cncf.io/policy-for` annotation" }),
  podSelector: labelSelector.prefault({}).meta({ description: "`{matchLabels}` of the pods it applies to; `{}`: every pod in the namespace. Set-based `matchExpressions` are refused (the enforcer skips them)" }),
  policyTypes: z.array(z.enum(["Ingress", "Egress"])).min(1).meta({
    description: "required: `Ingress` and/or `Egress`. Unlike NetworkPolicy, the enforcer does not imply Ingress: without policyTypes it isolates only directions that have rules (server.go:711-725), so a deny-all would do nothing",
  }),
  ingress: z.array(ingressRule).default([]).meta({ description: "allowed incoming traffic: `[{from: [peer], ports: [{protocol, port}]}]`; a peer is `{ipBlock: {cidr, except}}` or `{podSelector, namespaceSelector}` (podSelector only together with namespaceSelector); numeric ports only" }),
  egress: z.array(egressRule).default([]).meta({ description: "allowed outgoing traffic: `[{to: [peer], ports}]`, peers and ports as in `ingress`" }),
}).superRefine((policy, ctx) => {
  for (const [direction, type] of [["ingress", "Ingress"], ["egress", "Egress"]] as const) {
    if (policy[direction].length && !policy.policyTypes.includes(type)) {
      ctx.addIssue({ code: "custom", path: [direction], message: `has rules but policyTypes lacks "${type}", so the enforcer ignores them; allowed: add "${type}" to policyTypes or remove the rules` });
    }
  }
});

export const policiesSchema = z.array(policySchema).default([]).meta({
  description: "MultiNetworkPolicy objects (needs `multinet:multiNetworkPolicy.enabled`). A pod selected by a policy for a network accepts (Ingress) or sends (Egress) on that network's interface only what some policy's rules allow; other interfaces are untouched.",
});
