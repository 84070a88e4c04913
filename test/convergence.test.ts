/**
 * "A second preview after a successful up shows no change", for every Kubernetes resource every
 * stack registers: the provider's diff (test/helpers/providerDiff.ts, re-done from its source) run
 * on the live object a real server would hold after the first up (test/helpers/apiServer.ts:
 * server-side-apply merge for patches, defaults and admission for the rest).
 */
import { isRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { pulumiConfigForStack, stackNames } from "../lib/files/stackFiles";
import { applyEnvAs, emptyValuePaths, mergeObject, relinquishEnv, storedObject, type OwnedEnv } from "./helpers/apiServer";
import { runProgram, type ProgramRun, type RegisteredResource } from "./helpers/mockProgram";
import { normalizeInputs, previewDiff, pruneMap, pruneSlice } from "./helpers/providerDiff";
import { calicoNode, installation } from "./fixtures/converge/liveCalico";

type JsonMap = Record<string, unknown>;

/** Inputs as the provider receives them: secrets are values there (it keeps them encrypted in state). */
function plain(value: unknown): unknown {
  if (isRpcSecret(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** The live object after the first `pulumi up` created or patched it. */
function liveAfterUp(resource: RegisteredResource): JsonMap {
  const inputs = plain(resource.inputs) as JsonMap;
  if (resource.type === "kubernetes:apps/v1:DaemonSetPatch") return mergeObject(calicoNode, inputs);
  if (resource.type === "kubernetes:operator.tigera.io/v1:InstallationPatch") return mergeObject(installation, inputs);
  return storedObject(inputs);
}

const kubeResources = (run: ProgramRun) => run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));

const variants: Array<[string, string, Record<string, string>]> = [
  ...stackNames().map((stack): [string, string, Record<string, string>] => [stack, stack, pulumiConfigForStack(stack)]),
  ["staging with a WireGuard PSK (net-conf.json in a Secret) and IPv6 autodetection", "staging", {
    ...pulumiConfigForStack("staging"),
    "multinet:flannel": JSON.stringify({ iface: ["eth1"], backend: { type: "wireguard", psk: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" } }),
    "multinet:calico": JSON.stringify({ ipv4Autodetection: { interface: "eth0" }, ipv6Autodetection: { canReach: "fd00::1" } }),
  }],
  ["staging with thin Multus", "staging", { ...pulumiConfigForStack("staging"), "multinet:multus": JSON.stringify({ mode: "thin" }) }],
  ["prod creating its storage namespace, flanneld in kube-system", "prod", {
    ...pulumiConfigForStack("prod"),
    "multinet:networks": JSON.stringify((JSON.parse(pulumiConfigForStack("prod")["multinet:networks"]) as Array<Record<string, unknown>>)
      .map((n) => (n.namespace === "storage" ? { ...n, createNamespace: true } : n))),
    "multinet:flannel": JSON.stringify({ ...JSON.parse(pulumiConfigForStack("prod")["multinet:flannel"]), namespace: "kube-system" }),
  }],
];

describe.each(variants)("%s, second preview", (_label, stack, config) => {
  // One program run per hook: the hook's deadline holds on a loaded machine too.
  let run: ProgramRun;
  beforeAll(async () => { run = await runProgram(config, { stack }); });

  it("shows no change for any resource", () => {
    expect(run.error).toBeUndefined();
    const resources = kubeResources(run);
    expect(resources.length).toBeGreaterThan(5);
    for (const resource of resources) {
      const inputs = plain(resource.inputs) as JsonMap;
      const live = liveAfterUp(resource);
      const diff = previewDiff({ oldInputs: inputs, oldLive: live, newInputs: inputs, ignoreChanges: resource.options.ignoreChanges });
      expect(diff, `${resource.type} ${resource.name}`).toEqual([]);
      // The drift check's refreshed preview: Read normalises the old inputs and stores the live object
      // pruned by them as the new old inputs (provider/pkg/provider/provider.go:1975, 2083).
      const refreshed = pruneMap(live, normalizeInputs(inputs))!;
      const afterRefresh = previewDiff({ oldInputs: refreshed, oldLive: live, newInputs: inputs, ignoreChanges: resource.options.ignoreChanges });
      expect(afterRefresh, `${resource.type} ${resource.name} after refresh`).toEqual([]);
    }
  });

  it("sends no empty list or map, which the server would drop and the diff would then miss", () => {
    for (const resource of kubeResources(run)) {
      expect(emptyValuePaths(plain(resource.inputs)), `${resource.type} ${resource.name}`).toEqual([]);
    }
  });
});

describe("the Calico patch against the provider's diff", () => {
  let staging: ProgramRun;
  beforeAll(async () => { staging = await runProgram(pulumiConfigForStack("staging"), { stack: "staging" }); });
  const patchOf = (run: ProgramRun) => kubeResources(run).find((r) => r.type.endsWith("DaemonSetPatch"))!;

  it("lands after calico-node's own env vars (server-side apply appends new list items)", () => {
    // structured-merge-diff v6.4.0 typed/merge.go:168-283: live items the apply does not name stay first.
    const live = liveAfterUp(patchOf(staging)) as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string }> }> } } } };
    const env = live.spec.template.spec.containers[0].env.map((e) => e.name);
    expect(env.slice(0, 2)).toEqual(["DATASTORE_TYPE", "WAIT_FOR_DATASTORE"]);
    expect(env.at(-1)).toBe("IP_AUTODETECTION_METHOD");
  });

  it("would show an update on every preview without ignoring its spec (pulumi-kubernetes#2682)", () => {
    // pruneSlice (provider/pkg/provider/util.go:271-320) matches list items by index: our one env
    // entry is compared with calico-node's first, DATASTORE_TYPE; likewise our install-cni entry
    // (SKIP_CNI_BINARIES) with calico-node's first init container, upgrade-ipam.
    expect(pruneSlice([{ name: "DATASTORE_TYPE", value: "kubernetes" }, { name: "X", value: "1" }], [{ name: "X", value: "1" }]))
      .toEqual([{ name: "DATASTORE_TYPE", value: "kubernetes" }]);
    const patch = patchOf(staging);
    const inputs = plain(patch.inputs) as JsonMap;
    expect(previewDiff({ oldInputs: inputs, oldLive: liveAfterUp(patch), newInputs: inputs }))
      .toEqual(["spec.template.spec.initContainers", "spec.template.spec.containers"]);
    expect(patch.options.ignoreChanges).toEqual(["spec"]);
  });

  it("is a new resource under a new field manager when its spec changes, so the change is applied", async () => {
    const config = (iface: string) => ({ ...pulumiConfigForStack("staging"), "multinet:calico": JSON.stringify({ ipv4Autodetection: { interface: iface } }) });
    // One at a time: the mock runtime is process-wide.
    const eth0 = await runProgram(config("eth0"), { stack: "staging" });
    const eth1 = await runProgram(config("eth1"), { stack: "staging" });
    const [a, b] = [eth0, eth1].map((run) => kubeResources(run).find((r) => r.type.endsWith("DaemonSetPatch"))!);
    // A new name is a new URN: the engine creates it (no old inputs, so ignoreChanges does not apply)
    // and then deletes the old one, which relinquishes only its own manager's fields
    // (provider/pkg/await/await.go:958-961, provider/pkg/ssa/actions.go:34-59).
    expect(a.name).not.toBe(b.name);
    expect(a.inputs.metadata.annotations["pulumi.com/patchFieldManager"]).not.toBe(b.inputs.metadata.annotations["pulumi.com/patchFieldManager"]);
    expect(b.inputs.spec.template.spec.containers[0].env).toEqual([{ name: "IP_AUTODETECTION_METHOD", value: "interface=eth1" }]);
  });

  it("ends with exactly the new variables after a change: created under the new manager, then the old one relinquished", async () => {
    const calicoOwn: OwnedEnv = calicoNode.spec.template.spec.containers[0].env
      .map((e) => ({ name: e.name, ...("value" in e ? { value: e.value } : {}), owners: new Set(["kubectl-client-side-apply"]) }));
    const patchWith = async (calico: unknown) => {
      const run = await runProgram({ ...pulumiConfigForStack("staging"), "multinet:calico": JSON.stringify(calico) }, { stack: "staging" });
      const patch = patchOf(run);
      return { manager: patch.inputs.metadata.annotations["pulumi.com/patchFieldManager"] as string, env: patch.inputs.spec.template.spec.containers[0].env };
    };
    const before = await patchWith({ ipv4Autodetection: { interface: "eth0" }, ipv6Autodetection: { canReach: "fd00::1" } });
    const after = await patchWith({ ipv4Autodetection: { interface: "eth1" } });
    // The engine creates the new resource first and deletes the old one at the end of the update.
    const live = relinquishEnv(applyEnvAs(applyEnvAs(calicoOwn, before.manager, before.env), after.manager, after.env), before.manager);
    const ours = live.filter((e) => !e.owners.has("kubectl-client-side-apply"));
    expect(ours.map(({ name, value }) => ({ name, value }))).toEqual([{ name: "IP_AUTODETECTION_METHOD", value: "interface=eth1" }]);
    expect(live.filter((e) => e.owners.has("kubectl-client-side-apply"))).toHaveLength(calicoOwn.length);
  });
});

