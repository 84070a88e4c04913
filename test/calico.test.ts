import { describe, expect, it } from "vitest";
import { autodetectionEnvValue, autodetectionOperatorValue, calicoFieldManager, calicoPatch, calicoPatchRevision } from "../lib/build/calico";
import { calicoSchema } from "../lib/config";

describe("Calico autodetection", () => {
  const methods: Array<[Record<string, unknown>, string, Record<string, unknown>]> = [
    [{ firstFound: true }, "first-found", { firstFound: true }],
    [{ kubernetesInternalIP: true }, "kubernetes-internal-ip", { firstFound: false, kubernetes: "NodeInternalIP" }],
    [{ interface: "eth0" }, "interface=eth0", { firstFound: false, interface: "eth0" }],
    [{ skipInterface: ["eth1", "flannel.*"] }, "skip-interface=eth1,flannel.*", { firstFound: false, skipInterface: "eth1|flannel.*" }],
    [{ canReach: "10.0.0.1" }, "can-reach=10.0.0.1", { firstFound: false, canReach: "10.0.0.1" }],
    [{ cidrs: ["10.0.0.0/24", "10.1.0.0/24"] }, "cidr=10.0.0.0/24,10.1.0.0/24", { firstFound: false, cidrs: ["10.0.0.0/24", "10.1.0.0/24"] }],
  ];

  it.each(methods)("renders %j for calico-node and for the operator", (method, env, operator) => {
    const parsed = calicoSchema.parse({ mode: "none", ipv4Autodetection: method }).ipv4Autodetection!;
    expect(autodetectionEnvValue(parsed)).toBe(env);
    expect(autodetectionOperatorValue(parsed)).toEqual(operator);
  });

  it("patches only calico-node's env vars in manifest mode, under a field manager named by the patch's revision, with force", () => {
    const patch = calicoPatch(calicoSchema.parse({ ipv4Autodetection: { interface: "eth0" }, ipv6Autodetection: { canReach: "fd00::1" } }));
    expect(patch).toEqual({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: {
        name: "calico-node",
        namespace: "kube-system",
        annotations: { "pulumi.com/patchFieldManager": `${calicoFieldManager}-${calicoPatchRevision(patch!.spec)}`, "pulumi.com/patchForce": "true" },
      },
      spec: { template: { spec: {
        initContainers: [{ name: "install-cni", env: [{ name: "SKIP_CNI_BINARIES", value: "flannel" }] }],
        containers: [{ name: "calico-node", env: [
          { name: "IP_AUTODETECTION_METHOD", value: "interface=eth0" },
          { name: "IP6", value: "autodetect" },
          { name: "IP6_AUTODETECTION_METHOD", value: "can-reach=fd00::1" },
        ] }],
      } } },
    });
  });

  // calico v3.32.1 cni-plugin/pkg/install/install.go:51-53 (SKIP_CNI_BINARIES, a comma list read
  // by envconfig) and 200-202 (a listed binary is not copied); manifests/calico.yaml:7501 (the
  // installer is the init container install-cni); cni-plugin/Makefile:170-186 (its `flannel` is
  // built from projectcalico/flannel-cni-plugin). The operator exposes only the init container's
  // resources (tigera/operator v1.42.3 api/v1/calico_node_types.go:39-51), so operator mode cannot.
  it("keeps Calico's installer from overwriting the flannel binary, in the same patch, manifest mode only", () => {
    const manifest = calicoPatch(calicoSchema.parse({ ipv4Autodetection: { interface: "eth0" } }))!;
    const spec = (manifest.spec as { template: { spec: { initContainers: Array<{ name: string; env: unknown[] }> } } }).template.spec;
    expect(spec.initContainers).toEqual([{ name: "install-cni", env: [{ name: "SKIP_CNI_BINARIES", value: "flannel" }] }]);
    const operator = calicoPatch(calicoSchema.parse({ mode: "operator", ipv4Autodetection: { interface: "eth0" } }))!;
    expect(JSON.stringify(operator)).not.toContain("SKIP_CNI_BINARIES");
    const more = calicoPatch(calicoSchema.parse({ ipv4Autodetection: { interface: "eth0" }, skipCniBinaries: ["flannel", "portmap"] }))!;
    expect(JSON.stringify(more)).toContain('{"name":"SKIP_CNI_BINARIES","value":"flannel,portmap"}');
    const none = calicoPatch(calicoSchema.parse({ ipv4Autodetection: { interface: "eth0" }, skipCniBinaries: [] }))!;
    expect(JSON.stringify(none)).not.toContain("initContainers");
    // envconfig splits the value on commas, so a name must not carry one.
    expect(calicoSchema.safeParse({ ipv4Autodetection: { interface: "eth0" }, skipCniBinaries: ["flannel,bridge"] }).success).toBe(false);
  });

  it("follows a DaemonSet in calico-system", () => {
    const patch = calicoPatch(calicoSchema.parse({ namespace: "calico-system", ipv4Autodetection: { firstFound: true } }));
    expect(patch?.metadata).toMatchObject({ name: "calico-node", namespace: "calico-system" });
  });

  it("patches the Installation in operator mode, turning off the operator's own firstFound default", () => {
    const patch = calicoPatch(calicoSchema.parse({ mode: "operator", ipv4Autodetection: { interface: "ens3f0" } }));
    expect(patch).toEqual({
      apiVersion: "operator.tigera.io/v1",
      kind: "Installation",
      metadata: { name: "default", annotations: { "pulumi.com/patchFieldManager": `${calicoFieldManager}-${calicoPatchRevision(patch!.spec)}`, "pulumi.com/patchForce": "true" } },
      spec: { calicoNetwork: { nodeAddressAutodetectionV4: { firstFound: false, interface: "ens3f0" } } },
    });
  });

  it("gives a changed patch a new revision, and an unchanged one the same", () => {
    const revision = (ipv4Autodetection: unknown) => calicoPatchRevision(calicoPatch(calicoSchema.parse({ ipv4Autodetection }))!.spec);
    expect(revision({ interface: "eth0" })).toBe(revision({ interface: "eth0" }));
    expect(revision({ interface: "eth0" })).not.toBe(revision({ interface: "eth1" }));
    expect(revision({ interface: "eth0" })).toMatch(/^[0-9a-f]{8}$/);
  });

  it("patches nothing in mode none", () => {
    expect(calicoPatch(calicoSchema.parse({ mode: "none" }))).toBeUndefined();
  });
});
