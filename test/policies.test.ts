/**
 * MultiNetworkPolicy from stack config: the objects, and what multi-networkpolicy-iptables
 * (commit cbf2b117) would skip or misread, refused with the key, the value and what is allowed.
 */
import { describe, expect, it } from "vitest";
import { multiNetworkPolicyObjects } from "../lib/build/multiNetworkPolicy";
import { multiNetworkPolicy } from "../lib/build/policies";
import { multiNetworkPolicySchema, validateConfig } from "../lib/config";

const image = "ghcr.io/k8snetworkplumbingwg/multi-networkpolicy-iptables@sha256:" + "a".repeat(64);

function stack(policies: unknown[], extra: Record<string, unknown> = {}): Record<string, any> {
  return {
    calico: { mode: "none" },
    flannel: { iface: ["eth1"] },
    networks: [
      { name: "flannel", type: "flannel" },
      { name: "data", namespace: "apps", type: "macvlan", master: "eth1", ipam: { type: "static" } },
      { name: "local", namespace: "apps", type: "bridge", bridge: "br1", ipam: { type: "host-local", ranges: [{ subnet: "10.9.0.0/24" }] } },
    ],
    multiNetworkPolicy: { enabled: true, image },
    policies,
    samplePod: { enabled: false },
    ...extra,
  };
}

const base = { name: "p", namespace: "apps", networks: ["data"], policyTypes: ["Ingress"] };

function errorsOf(values: Record<string, unknown>): string[] {
  const result = validateConfig(values);
  return result.ok ? [] : result.errors;
}

describe("a policy", () => {
  it("becomes a MultiNetworkPolicy for its networks, policyTypes written out", () => {
    const result = validateConfig(stack([{
      ...base, networks: ["data", "apps/data"], podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ ipBlock: { cidr: "10.50.0.0/16", except: ["10.50.1.0/24"] } }], ports: [{ port: 5432 }] }],
      egress: [{}],
    }]));
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(multiNetworkPolicy(result.config.policies[0])).toEqual({
      apiVersion: "k8s.cni.cncf.io/v1beta1",
      kind: "MultiNetworkPolicy",
      metadata: {
        name: "p", namespace: "apps",
        labels: { "app.kubernetes.io/part-of": "multinet", "app.kubernetes.io/component": "multi-networkpolicy", "app.kubernetes.io/managed-by": "pulumi" },
        annotations: { "k8s.v1.cni.cncf.io/policy-for": "data,apps/data" },
      },
      spec: {
        podSelector: { matchLabels: { app: "db" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ ipBlock: { cidr: "10.50.0.0/16", except: ["10.50.1.0/24"] } }], ports: [{ protocol: "TCP", port: 5432 }] }],
        egress: [{}],
      },
    });
  });

  it("without rules denies: an empty podSelector and no ingress list", () => {
    const result = validateConfig(stack([base]));
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(multiNetworkPolicy(result.config.policies[0]).spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
  });
});

describe("policies the enforcer would not enforce as written", () => {
  const cases: Array<[string, unknown[], Record<string, unknown>, RegExp]> = [
    ["a flannel network", [{ ...base, namespace: "default", networks: ["flannel"] }], {},
      /^multinet:policies\[0\]\.networks\[0\]: "flannel" is a flannel network \(multinet:networks\[0\]\.type\) and multi-networkpolicy-iptables does not police flannel attachments/],
    ["a bridge network", [{ ...base, networks: ["local"] }], {},
      /^multinet:policies\[0\]\.networks\[0\]: "local" is a bridge network .* does not police bridge attachments, so the policy would silently do nothing/],
    ["a macvlan network the enforcer was told not to police", [base], { multiNetworkPolicy: { enabled: true, image, networkPlugins: ["ipvlan"] } },
      /^multinet:policies\[0\]\.networks\[0\]: "data" is a macvlan network .* it is not in multinet:multiNetworkPolicy\.networkPlugins \["ipvlan"\]/],
    ["a network multinet does not define", [{ ...base, networks: ["other/data"] }], {},
      /^multinet:policies\[0\]\.networks\[0\]: "other\/data" \(other\/data\) is not defined in multinet:networks/],
    // server.go:628-633: a name without namespace is the policy's namespace.
    ["a bare name read in the policy's namespace", [{ ...base, namespace: "default", networks: ["data"] }], {},
      /^multinet:policies\[0\]\.networks\[0\]: "data" \(default\/data\) is not defined/],
    // server.go:608, policyrules.go:322: selectors become plain label maps.
    ["a set-based selector", [{ ...base, podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["a", "b"] }] } }], {},
      /^multinet:policies\[0\]\.podSelector\.matchExpressions: .* are not enforced: multi-networkpolicy-iptables reads selectors as plain label maps/],
    // policyrules.go:322-331: a peer podSelector matches in every namespace.
    ["a peer podSelector without namespaceSelector", [{ ...base, ingress: [{ from: [{ podSelector: { matchLabels: { app: "a" } } }] }] }], {},
      /^multinet:policies\[0\]\.ingress\[0\]\.from\[0\]\.podSelector: .* needs a namespaceSelector: multi-networkpolicy-iptables matches a peer's podSelector in every namespace/],
    ["ipBlock with a selector", [{ ...base, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, namespaceSelector: {} }] }] }], {},
      /^multinet:policies\[0\]\.ingress\[0\]\.from\[0\]: .* sets ipBlock together with a selector/],
    ["an except outside its cidr", [{ ...base, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.1.0.0/24"] } }] }] }], {},
      /^multinet:policies\[0\]\.ingress\[0\]\.from\[0\]\.ipBlock\.except\[0\]: "10\.1\.0\.0\/24" must be a CIDR strictly inside cidr "10\.0\.0\.0\/16"/],
    // server.go:711-725: rules of a direction missing from policyTypes are ignored.
    ["egress rules without Egress in policyTypes", [{ ...base, egress: [{}] }], {},
      /^multinet:policies\[0\]\.egress: .* has rules but policyTypes lacks "Egress", so the enforcer ignores them/],
    ["no policyTypes", [{ name: "p", namespace: "apps", networks: ["data"] }], {}, /^multinet:policies\[0\]\.policyTypes: \(not set\) is not valid; expected array$/],
    // policyrules.go:266-271: a named port reaches iptables as a service name.
    ["a named port", [{ ...base, ingress: [{ ports: [{ port: "http" }] }] }], {}, /^multinet:policies\[0\]\.ingress\[0\]\.ports\[0\]\.port: "http" is not valid; expected number$/],
    // endPort is not in v1beta1 of upstream's CRD (scheme.yml at f1873dc3): the API server would prune it.
    ["a port range", [{ ...base, ingress: [{ ports: [{ port: 80, endPort: 90 }] }] }], {}, /^multinet:policies\[0\]\.ingress\[0\]\.ports\[0\]\.endPort: unknown key; allowed keys: protocol, port$/],
    ["two policies of one name", [base, base], {}, /^multinet:policies\[1\]\.name: "p" is already used by multinet:policies\[0\] in namespace "apps"/],
    ["policies with no enforcer", [base], { multiNetworkPolicy: { enabled: false } }, /^multinet:policies: 1 policy but multinet:multiNetworkPolicy\.enabled is false, so nothing would enforce them/],
    ["an enforcer without a pinned image", [base], { multiNetworkPolicy: { enabled: true } }, /^multinet:multiNetworkPolicy\.image: \(not set\) but multinet:multiNetworkPolicy\.enabled is true; allowed: the enforcer's image pinned by digest/],
    ["a floating enforcer image", [base], { multiNetworkPolicy: { enabled: true, image: "ghcr.io/k8snetworkplumbingwg/multi-networkpolicy-iptables:snapshot" } },
      /^multinet:multiNetworkPolicy\.image: ".*:snapshot" is tagged 'snapshot', a floating tag/],
  ];

  it.each(cases)("refuses %s", (_name, policies, extra, expected) => {
    expect(errorsOf(stack(policies, extra))).toEqual([expect.stringMatching(expected)]);
  });

  it("accepts the same policies against a network type the enforcer polices", () => {
    expect(errorsOf(stack([base, { ...base, name: "q", networks: ["apps/data"], ingress: [{ from: [{ podSelector: {}, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } }] }] }]))).toEqual([]);
  });
});

describe("the enforcer DaemonSet", () => {
  const objects = multiNetworkPolicyObjects(multiNetworkPolicySchema.parse({ enabled: true, image, containerRuntimeEndpoint: "/run/containerd/containerd.sock", networkPlugins: ["macvlan", "ipvlan"] }));
  const container = objects.daemonSet.spec.template.spec!.containers[0];

  it("runs the pinned image with the node's CRI socket and the policed types", () => {
    expect(container.image).toBe(image);
    expect(container.args).toEqual([
      "--host-prefix=/host",
      "--container-runtime-endpoint=/run/containerd/containerd.sock",
      "--pod-iptables=/var/lib/multi-networkpolicy/iptables",
      "--network-plugins=macvlan,ipvlan",
    ]);
  });

  it("runs only where upstream's amd64 image runs, by default", () => {
    expect(objects.daemonSet.spec.template.spec!.nodeSelector).toEqual({ "kubernetes.io/arch": "amd64" });
  });
});
