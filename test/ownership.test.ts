/**
 * What the program owns and how long it waits, on the registered resource graph: namespaces are
 * created only when they are multinet's own; every awaited resource carries the stack's time-out as
 * `customTimeouts`, which the provider prefers over its 10-minute default and over the
 * `pulumi.com/timeoutSeconds` annotation (pulumi-kubernetes provider/pkg/metadata/overrides.go:53-66).
 */
import { describe, expect, it } from "vitest";
import { pulumiConfigForStack } from "../lib/files/stackFiles";
import { runProgram } from "./helpers/mockProgram";

const T = {
  namespace: "kubernetes:core/v1:Namespace",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  daemonSetPatch: "kubernetes:apps/v1:DaemonSetPatch",
  pod: "kubernetes:core/v1:Pod",
  nad: "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition",
};
const staging = pulumiConfigForStack("staging");

describe("namespaces", () => {
  it("creates flanneld's own namespace by default, and nothing else", async () => {
    const run = await runProgram(staging, { stack: "staging" });
    expect(run.ofType(T.namespace).map((ns) => ns.inputs.metadata.name)).toEqual(["kube-flannel"]);
  });

  it("never creates (so never deletes) kube-system when flanneld runs there", async () => {
    const run = await runProgram({ ...staging, "multinet:flannel": JSON.stringify({ namespace: "kube-system", iface: ["eth1"] }) }, { stack: "staging" });
    expect(run.error).toBeUndefined();
    expect(run.ofType(T.namespace)).toEqual([]);
    expect(run.get(T.daemonSet, "kube-system/kube-flannel-ds").inputs.metadata.namespace).toBe("kube-system");
  });

  it("creates a NAD namespace once when asked, before the NADs in it", async () => {
    const storage = (name: string) => ({ name, namespace: "storage", createNamespace: true, type: "macvlan", master: "eth1", ipam: { type: "static" } });
    const networks = [...JSON.parse(staging["multinet:networks"]), storage("storage-a"), storage("storage-b")];
    const run = await runProgram({ ...staging, "multinet:networks": JSON.stringify(networks) }, { stack: "staging" });
    expect(run.error).toBeUndefined();
    const namespace = run.get(T.namespace, "storage");
    expect(namespace.inputs.metadata.labels["app.kubernetes.io/part-of"]).toBe("multinet");
    for (const nad of ["storage/storage-a", "storage/storage-b"]) expect(run.get(T.nad, nad).dependencies).toContain(namespace.urn);
    expect(run.get(T.nad, "default/flannel").dependencies).not.toContain(namespace.urn);
  });
});

describe("time-outs and rolling updates", () => {
  it("waits for each daemon, the Calico patch and the pod as long as the stack says", async () => {
    const config = {
      ...staging,
      "multinet:multus": JSON.stringify({ timeoutSeconds: 900, maxUnavailable: "20%" }),
      "multinet:flannel": JSON.stringify({ iface: ["eth1"], timeoutSeconds: 300, maxUnavailable: 2 }),
      "multinet:calico": JSON.stringify({ ipv4Autodetection: { interface: "eth0" }, timeoutSeconds: 1800 }),
      "multinet:samplePod": JSON.stringify({ networks: [{ name: "flannel" }], timeoutSeconds: 120 }),
    };
    const run = await runProgram(config, { stack: "staging" });
    expect(run.error).toBeUndefined();
    const timeouts = (resource: { options: { customTimeouts: { create: string; update: string } } }) => resource.options.customTimeouts;
    const multus = run.get(T.daemonSet, "kube-system/kube-multus-ds");
    const flannel = run.get(T.daemonSet, "kube-flannel/kube-flannel-ds");
    expect(timeouts(multus)).toMatchObject({ create: "900s", update: "900s" });
    expect(timeouts(flannel)).toMatchObject({ create: "300s", update: "300s" });
    expect(timeouts(run.ofType(T.daemonSetPatch)[0])).toMatchObject({ create: "1800s", update: "1800s" });
    expect(timeouts(run.get(T.pod, "default/multinet-sample"))).toMatchObject({ create: "120s", update: "120s" });
    expect(multus.inputs.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "20%" } });
    expect(flannel.inputs.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } });
  });

  it("defaults to the provider's own 10 minutes, written out", async () => {
    const run = await runProgram(staging, { stack: "staging" });
    for (const resource of [...run.ofType(T.daemonSet), ...run.ofType(T.daemonSetPatch), ...run.ofType(T.pod)]) {
      expect(resource.options.customTimeouts, resource.name).toMatchObject({ create: "600s", update: "600s" });
    }
  });
});

describe("adopting existing objects", () => {
  it("tells the preflight when the stack lets the provider apply over existing objects", async () => {
    const create = async (extra: Record<string, string>) =>
      (await runProgram({ ...staging, ...extra }, { stack: "staging" })).get("command:local:Command", "preflight-check").inputs.create as string;
    expect(await create({})).not.toContain("--adopt-existing");
    expect(await create({ "kubernetes:upsertExistingObjects": "true" })).toMatch(/ --preflight --adopt-existing$/);
  });
});
