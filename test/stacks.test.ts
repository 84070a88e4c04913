/**
 * Each real stack file, loaded as the Pulumi CLI loads it, run through index.ts under the mock
 * runtime; the assertions are on the resource graph the program registers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { calicoFieldManager, calicoPatchRevision } from "../lib/build/calico";
import { imageProblem } from "../lib/config";
import { pulumiConfigForStack, stackNames } from "../lib/files/stackFiles";
import { runProgram, type ProgramRun, type RegisteredResource } from "./helpers/mockProgram";

const T = {
  crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  daemonSetPatch: "kubernetes:apps/v1:DaemonSetPatch",
  installationPatch: "kubernetes:operator.tigera.io/v1:InstallationPatch",
  nad: "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition",
  pod: "kubernetes:core/v1:Pod",
  configMap: "kubernetes:core/v1:ConfigMap",
  namespace: "kubernetes:core/v1:Namespace",
};

const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const stack of stackNames()) runs.set(stack, await runProgram(pulumiConfigForStack(stack), { stack }));
});
const run = (stack: string) => runs.get(stack)!;

const kubeObjects = (r: ProgramRun) => r.resources.filter((res) => res.custom && res.type.startsWith("kubernetes:"));
const podSpecs = (r: ProgramRun) => [
  ...r.ofType(T.daemonSet).map((ds) => ds.inputs.spec.template.spec),
  ...r.ofType(T.pod).map((pod) => pod.inputs.spec),
];
const containers = (r: ProgramRun) => podSpecs(r).flatMap((spec) => [...(spec.initContainers ?? []), ...spec.containers]);
const dependsOn = (resource: RegisteredResource, target: RegisteredResource) => resource.dependencies.includes(target.urn);

describe.each(stackNames())("stack %s", (stack) => {
  it("registers without error", () => {
    expect(run(stack).error).toBeUndefined();
  });

  it("groups everything in multinet:index components", () => {
    const components = run(stack).resources.filter((r) => !r.custom);
    expect(components.length).toBeGreaterThan(0);
    for (const component of components) expect(component.type).toMatch(/^multinet:index:[A-Z]\w+$/);
    const componentUrns = new Set(components.map((c) => c.urn));
    for (const object of kubeObjects(run(stack))) expect(componentUrns.has(object.parent)).toBe(true);
  });

  it("names every Kubernetes object explicitly, as its logical name says (a Calico patch adds its revision)", () => {
    for (const object of kubeObjects(run(stack))) {
      const { name, namespace } = object.inputs.metadata;
      expect(name, object.name).toEqual(expect.any(String));
      const calicoPatch = [T.daemonSetPatch, T.installationPatch].includes(object.type);
      const revision = calicoPatch ? `-${calicoPatchRevision(object.inputs.spec)}` : "";
      expect(object.name).toBe(`${namespace ? `${namespace}/${name}` : name}${revision}`);
    }
  });

  it("pins every image and bounds every container", () => {
    const all = containers(run(stack));
    expect(all.length).toBeGreaterThan(0);
    for (const container of all) {
      expect(imageProblem(container.image), container.image).toBeUndefined();
      expect(container.resources.requests, container.name).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(container.resources.limits.memory, container.name).toEqual(expect.any(String));
    }
  });

  it("creates NADs only after their CRD, and DaemonSets after their config and RBAC", () => {
    const r = run(stack);
    const crd = r.get(T.crd, "network-attachment-definitions.k8s.cni.cncf.io");
    for (const nad of r.ofType(T.nad)) expect(dependsOn(nad, crd), nad.name).toBe(true);
    const binding = (name: string) => r.get("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", name);
    const multus = r.get(T.daemonSet, "kube-system/kube-multus-ds");
    for (const before of [crd, binding("multus"), r.get(T.configMap, "kube-system/multus-daemon-config")]) {
      expect(dependsOn(multus, before), before.name).toBe(true);
    }
    const flannel = r.get(T.daemonSet, "kube-flannel/kube-flannel-ds");
    for (const before of [r.get(T.namespace, "kube-flannel"), binding("flannel"), r.get(T.configMap, "kube-flannel/kube-flannel-cfg")]) {
      expect(dependsOn(flannel, before), before.name).toBe(true);
    }
  });

  it("keeps the cluster-wide NAD CRD on destroy, and replaces the sample pod when its networks change", () => {
    const r = run(stack);
    expect(r.get(T.crd, "network-attachment-definitions.k8s.cni.cncf.io").options.retainOnDelete).toBe(true);
    for (const pod of r.ofType(T.pod)) {
      expect(pod.options).toMatchObject({ retainOnDelete: false, deleteBeforeReplace: true, replaceOnChanges: ["metadata.annotations"] });
    }
  });

  it("records the preflight as a dependency of every object that changes the cluster", () => {
    const r = run(stack);
    const preflight = r.get("command:local:Command", "preflight-check");
    for (const object of kubeObjects(r)) expect(dependsOn(object, preflight), object.name).toBe(true);
  });

  it("starts the sample pod only after Multus, Flannel and its NADs", () => {
    const r = run(stack);
    for (const pod of r.ofType(T.pod)) {
      for (const ds of r.ofType(T.daemonSet)) expect(dependsOn(pod, ds), ds.name).toBe(true);
      const wanted = String(pod.inputs.metadata.annotations["k8s.v1.cni.cncf.io/networks"]).split(",");
      for (const ref of wanted) {
        const name = ref.replace(/@.*$/, "");
        const nad = r.get(T.nad, name.includes("/") ? name : `${pod.inputs.metadata.namespace}/${name}`);
        expect(dependsOn(pod, nad), nad.name).toBe(true);
      }
    }
  });

  it("never installs a Flannel conflist", () => {
    for (const spec of podSpecs(run(stack))) {
      expect(JSON.stringify(spec)).not.toMatch(/10-flannel\.conflist|install-cni"/);
    }
  });
});

describe("staging reproduces the manual setup", () => {
  it("pins Calico to eth0 with a server-side-apply patch of calico-node", () => {
    const [patch] = run("staging").ofType(T.daemonSetPatch);
    const revision = calicoPatchRevision(patch.inputs.spec);
    expect(patch.name).toBe(`kube-system/calico-node-${revision}`);
    expect(patch.inputs.metadata.annotations).toEqual({ "pulumi.com/patchFieldManager": `${calicoFieldManager}-${revision}`, "pulumi.com/patchForce": "true" });
    expect(patch.inputs.spec.template.spec.containers).toEqual([{ name: "calico-node", env: [{ name: "IP_AUTODETECTION_METHOD", value: "interface=eth0" }] }]);
  });

  it("runs Flannel on eth1 with vxlan", () => {
    const r = run("staging");
    const flanneld = r.get(T.daemonSet, "kube-flannel/kube-flannel-ds").inputs.spec.template.spec.containers[0];
    expect(flanneld.args).toEqual(["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081", "--set-node-network-unavailable=false", "--iface=eth1"]);
    const netConf = JSON.parse(r.get(T.configMap, "kube-flannel/kube-flannel-cfg").inputs.data["net-conf.json"]);
    expect(netConf).toMatchObject({ Network: "10.244.0.0/16", Backend: { Type: "vxlan", VNI: 1, Port: 8472 } });
  });

  it("declares NAD flannel exactly as the manual setup did", () => {
    const nad = run("staging").get(T.nad, "default/flannel");
    expect(nad.inputs.spec.config).toBe('{"cniVersion":"0.3.0","type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":false}}');
  });

  it("starts an nginx pod that asks for flannel", () => {
    const pod = run("staging").get(T.pod, "default/multinet-sample");
    expect(pod.inputs.metadata.annotations).toEqual({ "k8s.v1.cni.cncf.io/networks": "flannel", "multinet/attachments-hash": expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(pod.inputs.spec.containers[0].image).toMatch(/^docker\.io\/library\/nginx:\d/);
  });

  it("runs Multus thick", () => {
    const multus = run("staging").get(T.daemonSet, "kube-system/kube-multus-ds");
    expect(multus.inputs.spec.template.spec.containers[0].image).toMatch(/-thick$/);
  });
});

describe("dev and prod differ where their environments do", () => {
  it("dev leaves single-NIC Calico alone and lets Flannel take the default NIC", () => {
    const r = run("dev");
    expect(r.ofType(T.daemonSetPatch)).toEqual([]);
    expect(r.resources.filter((res) => res.type === "multinet:index:CalicoAutodetection")).toEqual([]);
    expect(r.get(T.daemonSet, "kube-flannel/kube-flannel-ds").inputs.spec.template.spec.containers[0].args).toEqual(["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081", "--set-node-network-unavailable=false"]);
    expect(r.get(T.pod, "default/multinet-dev-sample").inputs.metadata.annotations["k8s.v1.cni.cncf.io/networks"]).toBe("flannel,scratch@scratch0");
  });

  it("prod pulls every image from the mirror", () => {
    for (const container of containers(run("prod"))) expect(container.image).toMatch(/^registry\.corp\.example\.com\/mirror\//);
  });

  it("prod patches the operator's Installation, not the DaemonSet", () => {
    const r = run("prod");
    expect(r.ofType(T.daemonSetPatch)).toEqual([]);
    expect(r.ofType(T.installationPatch).map((patch) => patch.inputs.spec)).toEqual([{ calicoNetwork: { nodeAddressAutodetectionV4: { firstFound: false, interface: "ens3f0" } } }]);
  });

  it("prod has a jumbo-frame macvlan storage network with source-based routing and no sample pod", () => {
    const r = run("prod");
    expect(r.ofType(T.pod)).toEqual([]);
    const storage = JSON.parse(r.get(T.nad, "storage/storage").inputs.spec.config);
    expect(storage).toMatchObject({ name: "storage", plugins: [{ type: "macvlan", master: "ens4f0", mtu: 9000 }, { type: "sbr" }] });
  });
});
