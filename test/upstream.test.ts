/**
 * whereabouts and MultiNetworkPolicy as upstream ships them: multinet's objects compared field by
 * field with the upstream manifests in test/fixtures/upstream/ (verbatim copies at the pinned
 * commits), every difference listed here with its reason; and the policies every stack renders
 * validated against the upstream MultiNetworkPolicy CRD and Kubernetes' NetworkPolicy schema.
 */
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { multiNetworkPolicyObjects } from "../lib/build/multiNetworkPolicy";
import { multiNetworkPolicyCrd } from "../lib/build/multiNetworkPolicyCrd";
import { multiNetworkPolicy } from "../lib/build/policies";
import { whereaboutsObjects } from "../lib/build/whereabouts";
import { whereaboutsCrds } from "../lib/build/whereaboutsCrds";
import { multiNetworkPolicySchema, multinetValues, validateConfig, whereaboutsSchema, type StackConfig } from "../lib/config";
import { pulumiConfigForStack, stackNames } from "../lib/files/stackFiles";
import { objectProblems, type StructuralSchema } from "./helpers/structural";
import { fieldDifferences, upstreamObject, upstreamObjects, withoutDescriptions, type Json } from "./helpers/upstreamManifests";

const whereabouts = whereaboutsObjects(whereaboutsSchema.parse({ enabled: true }));
const enforcerImage = "registry.example.com/multi-networkpolicy-iptables:cbf2b117";
const enforcer = multiNetworkPolicyObjects(multiNetworkPolicySchema.parse({ enabled: true, image: enforcerImage }));

/**
 * Deliberate differences, as patterns over `fieldDifferences` lines, each with its reason. Every
 * difference must match one, and every pattern must still match a difference.
 */
const labels: Array<[RegExp, string]> = [
  [/^(metadata|spec\.template\.metadata)\.labels\.[\w./-]+: \(absent\) → "[\w.-]+"$/, "added labels: multinet's app.kubernetes.io/* on every object, upstream's own tier/app/name where an object lacked them; none changed or removed"],
];
const noCpuLimit: [RegExp, string] = [/^spec\.template\.spec\.containers\[0\]\.resources\.limits\.cpu: "100m" → \(absent\)$/, "no CPU limit by default (node agents throttled under load); `resources.limits.cpu` sets one"];
const maxUnavailable: [RegExp, string] = [/^spec\.updateStrategy\.rollingUpdate\.maxUnavailable: \(absent\) → 1$/, "Kubernetes' default (1) written out, configurable (`maxUnavailable`)"];
const priorityClass: [RegExp, string] = [/^spec\.template\.spec\.priorityClassName: \(absent\) → "system-node-critical"$/, "node agents are system-node-critical, as multinet's Multus and Flannel (`priorityClassName`)"];

const cases: Array<{ what: string; upstream: Json; ours: unknown; differences: Array<[RegExp, string]> }> = [
  {
    what: "whereabouts DaemonSet",
    upstream: upstreamObject("whereabouts-daemonset-install.yaml", "DaemonSet", "whereabouts"),
    ours: whereabouts.daemonSet,
    differences: [
      ...labels, noCpuLimit, priorityClass, maxUnavailable,
      [/^spec\.template\.spec\.containers\[0\]\.image: ".*:latest" → ".*:v0\.9\.4"$/, "pinned to the release, not latest"],
      [/^spec\.template\.spec\.nodeSelector\.kubernetes\.io\/os: \(absent\) → "linux"$/, "Linux nodes only (`nodeSelector`), as every multinet DaemonSet"],
    ],
  },
  {
    what: "whereabouts reconciler Deployment",
    upstream: upstreamObject("whereabouts-reconciler-deployment.yaml", "Deployment", "whereabouts-reconciler"),
    ours: whereabouts.reconciler,
    differences: [
      ...labels, noCpuLimit,
      [/^spec\.template\.spec\.containers\[0\]\.image: ".*:latest" → ".*:v0\.9\.4"$/, "pinned to the release, not latest"],
      // Go's YAML 1.1 reader (kubectl, sigs.k8s.io/yaml) reads `0744` as octal 484; js-yaml (YAML 1.2) as decimal 744.
      [/^spec\.template\.spec\.volumes\[0\]\.configMap\.defaultMode: 744 → 484$/, "the same mode: upstream's `0744` is octal (484) to kubectl's YAML 1.1 reader, decimal to js-yaml"],
    ],
  },
  {
    what: "whereabouts reconciler schedule ConfigMap",
    upstream: upstreamObject("whereabouts-daemonset-install.yaml", "ConfigMap", "whereabouts-config"),
    ours: whereabouts.cronConfig,
    differences: [...labels, [/^metadata\.annotations\.kubernetes\.io\/description: .* → \(absent\)$/, "the description lives in docs/configuration.md (`reconcilerSchedule`)"]],
  },
  { what: "whereabouts ServiceAccount", upstream: upstreamObject("whereabouts-daemonset-install.yaml", "ServiceAccount", "whereabouts"), ours: whereabouts.serviceAccount, differences: labels },
  { what: "whereabouts ClusterRole", upstream: upstreamObject("whereabouts-daemonset-install.yaml", "ClusterRole", "whereabouts-cni"), ours: whereabouts.clusterRole, differences: labels },
  { what: "whereabouts ClusterRoleBinding", upstream: upstreamObject("whereabouts-daemonset-install.yaml", "ClusterRoleBinding", "whereabouts"), ours: whereabouts.clusterRoleBinding, differences: labels },
  {
    what: "multi-networkpolicy DaemonSet",
    upstream: upstreamObject("multi-networkpolicy-iptables-deploy.yml", "DaemonSet", "multi-networkpolicy-ds-amd64"),
    ours: enforcer.daemonSet,
    differences: [
      ...labels, noCpuLimit, priorityClass, maxUnavailable,
      [/^spec\.template\.spec\.containers\[0\]\.image: ".*:snapshot" → ".*:cbf2b117"$/, "the stack's pinned image (`image`), not the floating snapshot"],
      [/^spec\.template\.spec\.containers\[0\]\.imagePullPolicy: "Always" → \(absent\)$/, "a pinned image needs no pull on every start"],
      [/^spec\.template\.spec\.containers\[0\]\.args\[3\]: \(absent\) → "--network-plugins=macvlan"$/, "the policed NAD types written out (`networkPlugins`; upstream relies on the same default)"],
      [/^spec\.template\.spec\.(containers\[0\]\.volumeMounts|volumes)\[2\]\.[\w.[\]]+: .* → \(absent\)$/, "no custom-rules ConfigMaps: upstream mounts them but its flags that read them are commented out"],
    ],
  },
  { what: "multi-networkpolicy ServiceAccount", upstream: upstreamObject("multi-networkpolicy-iptables-deploy.yml", "ServiceAccount", "multi-networkpolicy"), ours: enforcer.serviceAccount, differences: labels },
  { what: "multi-networkpolicy ClusterRole", upstream: upstreamObject("multi-networkpolicy-iptables-deploy.yml", "ClusterRole", "multi-networkpolicy"), ours: enforcer.clusterRole, differences: labels },
  { what: "multi-networkpolicy ClusterRoleBinding", upstream: upstreamObject("multi-networkpolicy-iptables-deploy.yml", "ClusterRoleBinding", "multi-networkpolicy"), ours: enforcer.clusterRoleBinding, differences: labels },
];

describe.each(cases)("$what against upstream", ({ upstream, ours, differences }) => {
  const found = fieldDifferences(upstream, ours);

  it("differs only where a listed, deliberate difference says so", () => {
    expect(found.filter((line) => !differences.some(([pattern]) => pattern.test(line)))).toEqual([]);
  });

  it("has no listed difference that no longer occurs", () => {
    expect(differences.filter(([pattern]) => !found.some((line) => pattern.test(line))).map(([, why]) => why)).toEqual([]);
  });
});

describe("CRDs", () => {
  const structure = (crd: unknown) => {
    const copy = withoutDescriptions(crd) as Json;
    delete (copy.metadata as Json).labels;
    return copy;
  };

  it.each(["ippools", "overlappingrangeipreservations", "nodeslicepools"])("whereabouts %s is upstream's, descriptions aside", (plural) => {
    const upstream = upstreamObjects(`whereabouts.cni.cncf.io_${plural}.yaml`)[0];
    const ours = whereaboutsCrds().find((crd) => crd.metadata.name === `${plural}.whereabouts.cni.cncf.io`);
    expect(structure(ours)).toEqual(withoutDescriptions(upstream));
  });

  it("MultiNetworkPolicy is upstream's, descriptions aside", () => {
    expect(structure(multiNetworkPolicyCrd({ any: "label" }))).toEqual(withoutDescriptions(upstreamObjects("multi-networkpolicy-scheme.yml")[0]));
  });

});

/** The served version's schema of upstream's MultiNetworkPolicy CRD. */
const upstreamPolicySchema = (() => {
  const crd = upstreamObjects("multi-networkpolicy-scheme.yml")[0] as { spec: { versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: StructuralSchema } }> } };
  return crd.spec.versions.find((v) => v.served && v.name === "v1beta1")!.schema.openAPIV3Schema;
})();

function stackConfig(stack: string): StackConfig {
  const result = validateConfig(multinetValues(pulumiConfigForStack(stack)));
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

/** Policies beyond the stacks': every peer kind, ports, both directions. */
const corpus = validateConfig({
  calico: { mode: "none" },
  flannel: { enabled: false },
  networks: [{ name: "data", namespace: "apps", type: "macvlan", master: "eth1", ipam: { type: "static" } }],
  multiNetworkPolicy: { enabled: true, image: enforcerImage },
  samplePod: { enabled: false },
  policies: [
    { name: "deny-all", namespace: "apps", networks: ["data"], policyTypes: ["Ingress", "Egress"] },
    {
      name: "web", namespace: "apps", networks: ["apps/data"], podSelector: { matchLabels: { app: "web", "example.com/tier": "front" } }, policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ ipBlock: { cidr: "10.50.0.0/16", except: ["10.50.9.0/24"] } }], ports: [{ port: 443 }, { protocol: "UDP", port: 53 }] },
        { from: [{ namespaceSelector: { matchLabels: { team: "a" } }, podSelector: { matchLabels: { role: "client" } } }] },
        { ports: [{ protocol: "SCTP" }] },
      ],
      egress: [{ to: [{ namespaceSelector: {} }] }, {}],
    },
  ],
});

describe("rendered policies", () => {
  if (!corpus.ok) throw new Error(corpus.errors.join("\n"));
  const policies = [...stackNames().flatMap((stack) => stackConfig(stack).policies), ...corpus.config.policies];

  it("include at least one per stack that enables MultiNetworkPolicy, and the corpus", () => {
    expect(stackNames().filter((s) => stackConfig(s).multiNetworkPolicy.enabled).every((s) => stackConfig(s).policies.length > 0)).toBe(true);
    expect(policies.length).toBeGreaterThanOrEqual(3);
  });

  it.each(policies.map((p) => [`${p.namespace}/${p.name}`, p] as const))("%s validates against upstream's CRD schema, with nothing pruned", (_name, policy) => {
    const object = multiNetworkPolicy(policy);
    expect(object.apiVersion).toBe("k8s.cni.cncf.io/v1beta1");
    expect(objectProblems(upstreamPolicySchema, object, "MultiNetworkPolicy")).toEqual([]);
  });

  it.each(policies.map((p) => [`${p.namespace}/${p.name}`, p] as const))("%s has a valid NetworkPolicy spec", (_name, policy) => {
    const object = multiNetworkPolicy(policy);
    expect(() => new NetworkPolicy({ metadata: object.metadata, spec: object.spec as never }).validate()).not.toThrow();
  });

  it("the structural check catches a field upstream's schema lacks", () => {
    const object = multiNetworkPolicy(corpus.config.policies[1]);
    const withEndPort = { ...object, spec: { ...object.spec, ingress: [{ ports: [{ port: 80, endPort: 90 }] }] } };
    expect(objectProblems(upstreamPolicySchema, withEndPort, "MultiNetworkPolicy")).toEqual([
      "MultiNetworkPolicy.spec.ingress[0].ports[0].endPort: not in the schema, the API server would prune it",
    ]);
  });
});
