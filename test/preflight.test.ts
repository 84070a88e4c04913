/**
 * The preflight's judging logic (lib/verify/preflight.ts) on realistic API objects: the cluster
 * states that make Flannel as an attachment fail, each derived from a healthy cluster by one change.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { multinetValues, validateConfig, type StackConfig } from "../lib/config";
import { pulumiConfigFromStackFile } from "../lib/files/stackFiles";
import type { Finding } from "../lib/verify/findings";
import { judgeExistingObjects, objectsMultinetCreates, type ExistingObject } from "../lib/verify/existing";
import { calicoDaemonSetCandidates, detectCalicoInstall, preflightFindings, type PreflightSnapshot } from "../lib/verify/preflight";

const fixtures = path.join(__dirname, "fixtures", "verify");
const json = (file: string) => JSON.parse(readFileSync(path.join(fixtures, file), "utf8"));

function stackConfig(overrides: Record<string, unknown> = {}): StackConfig {
  const result = validateConfig({ ...multinetValues(pulumiConfigFromStackFile(path.join(fixtures, "Pulumi.fixture.yaml"))), ...overrides });
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

function healthy(): PreflightSnapshot {
  const daemonSets = json("daemonsets.json").items;
  return {
    nodes: json("nodes.json").items,
    namespaces: json("namespaces.json").items,
    existing: [],
    ipPools: { api: "crd.projectcalico.org/v1", pools: json("ippools.json").items },
    calico: { daemonSets: daemonSets.filter((d: any) => d.metadata.name === "calico-node") },
  };
}

const finding = (findings: Finding[], check: string) => findings.find((f) => f.check === check)!;

describe("a cluster fit for Flannel as an attachment", () => {
  it("passes every preflight check", () => {
    const findings = preflightFindings(stackConfig(), healthy(), { stack: "fixture" });
    expect(findings).toEqual([
      { check: "preflight/namespaces", ok: true, detail: "kube-system, kube-flannel (created by multinet), default ready" },
      { check: "preflight/existing-objects", ok: true, detail: "none of multinet's objects exists as someone else's" },
      { check: "preflight/node-podcidr", ok: true, detail: "all 3 nodes for flanneld have a podCIDR" },
      { check: "preflight/podcidr-in-network", ok: true, detail: "10.244.0.0/24, 10.244.1.0/24, 10.244.2.0/24 inside 10.244.0.0/16" },
      { check: "preflight/calico-pools", ok: true, detail: "default-ipv4-ippool 192.168.0.0/16 clear of multinet's ranges (crd.projectcalico.org/v1)" },
      { check: "preflight/calico-pools-declared", ok: true, detail: "every enabled pool is within 192.168.0.0/16" },
      { check: "preflight/calico-mode", ok: true, detail: "manifest-installed Calico (DaemonSet kube-system/calico-node), multinet:calico.mode is manifest" },
    ]);
  });
});

describe("node podCIDRs", () => {
  it("fail for nodes flanneld runs on without a podCIDR", () => {
    const snapshot = healthy();
    delete snapshot.nodes[2].spec!.podCIDR;
    delete snapshot.nodes[2].spec!.podCIDRs;
    const result = finding(preflightFindings(stackConfig(), snapshot, { stack: "fixture" }), "preflight/node-podcidr");
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^multinet-worker2 has no IPv4 spec\.podCIDR; flanneld --kube-subnet-mgr fails there \("pod cidr not assigned"\)\. Run kube-controller-manager with --allocate-node-cidrs and --cluster-cidr=10\.244\.0\.0\/16$/);
  });

  it("ignore nodes flanneld does not run on", () => {
    const snapshot = healthy();
    // flanneld tolerates every taint by default, so its nodeSelector (kubernetes.io/os=linux) decides.
    snapshot.nodes[2].spec = {};
    snapshot.nodes[2].metadata!.labels!["kubernetes.io/os"] = "windows";
    expect(finding(preflightFindings(stackConfig(), snapshot, { stack: "fixture" }), "preflight/node-podcidr"))
      .toMatchObject({ ok: true, detail: "all 2 nodes for flanneld have a podCIDR" });
  });

  it("fail when no node can run flanneld", () => {
    const config = stackConfig({ flannel: { network: "10.244.0.0/16", iface: ["eth1"], nodeSelector: { "multinet.example.com/flannel": "true" } } });
    expect(finding(preflightFindings(config, healthy(), { stack: "fixture" }), "preflight/node-podcidr").detail)
      .toMatch(/^no node can run flanneld: multinet-control-plane \(label multinet\.example\.com\/flannel=true missing\)/);
  });

  it("fail when a podCIDR lies outside the Flannel network", () => {
    const snapshot = healthy();
    snapshot.nodes[1].spec!.podCIDR = "10.96.1.0/24";
    snapshot.nodes[1].spec!.podCIDRs = ["10.96.1.0/24", "fd00:10:96:1::/64"];
    expect(finding(preflightFindings(stackConfig(), snapshot, { stack: "fixture" }), "preflight/podcidr-in-network").detail)
      .toBe("multinet-worker 10.96.1.0/24 outside multinet:flannel.network 10.244.0.0/16; the cluster's pod CIDR (--cluster-cidr, kubeadm podSubnet) must be the Flannel network");
  });

  it("skip both when Flannel is off", () => {
    const config = stackConfig({ flannel: { enabled: false }, networks: [], samplePod: { enabled: false } });
    const findings = preflightFindings(config, healthy(), { stack: "fixture" });
    expect(finding(findings, "preflight/node-podcidr")).toMatchObject({ ok: true, skipped: true });
    expect(finding(findings, "preflight/podcidr-in-network")).toMatchObject({ ok: true, skipped: true });
  });
});

describe("Calico pools", () => {
  const withPool = (cidr: string, extra: Record<string, unknown> = {}) => {
    const snapshot = healthy();
    snapshot.ipPools!.pools.push({ apiVersion: "crd.projectcalico.org/v1", kind: "IPPool", metadata: { name: "extra" }, spec: { cidr, ...extra } });
    return snapshot;
  };

  it("fail when an enabled pool overlaps the Flannel network or a NAD subnet", () => {
    const findings = preflightFindings(stackConfig(), withPool("10.244.128.0/17"), { stack: "fixture" });
    expect(finding(findings, "preflight/calico-pools").detail)
      .toBe("pool extra 10.244.128.0/17 overlaps multinet:flannel.network 10.244.0.0/16: pods would get duplicate addresses");
    expect(finding(preflightFindings(stackConfig(), withPool("172.30.0.0/16"), { stack: "fixture" }), "preflight/calico-pools").detail)
      .toMatch(/^pool extra 172\.30\.0\.0\/16 overlaps multinet:networks\[0\]\.ipam\.ranges\[0\]\.subnet 172\.30\.1\.0\/24; pool extra 172\.30\.0\.0\/16 overlaps multinet:networks\[1\]/);
  });

  it("count the addresses the sample pod names for a static NAD without addresses", () => {
    const config = stackConfig({
      networks: [...stackConfig().networks, { name: "storage", type: "macvlan", master: "eth1", ipam: { type: "static" } }],
      samplePod: { networks: [{ name: "data" }, { name: "storage", ips: ["10.50.1.5/22"] }] },
    });
    expect(finding(preflightFindings(config, withPool("10.50.0.0/16"), { stack: "fixture" }), "preflight/calico-pools").detail)
      .toBe("pool extra 10.50.0.0/16 overlaps multinet:samplePod.networks[1].ips[0] 10.50.1.5/22: pods would get duplicate addresses");
  });

  it("note a disabled overlapping pool without failing", () => {
    const result = finding(preflightFindings(stackConfig(), withPool("10.244.0.0/16", { disabled: true }), { stack: "fixture" }), "preflight/calico-pools");
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(/note: disabled pool extra 10\.244\.0\.0\/16 overlaps multinet:flannel\.network/);
  });

  it("fail when the stack does not declare a live pool", () => {
    expect(finding(preflightFindings(stackConfig(), withPool("10.10.0.0/16"), { stack: "fixture" }), "preflight/calico-pools-declared").detail)
      .toBe('pool extra 10.10.0.0/16 not in multinet:calico.poolCidrs ["192.168.0.0/16"]; add it so the config checks see the real pools');
  });

  it("fail when no IPPool API is served although Calico is installed: no pools prove nothing", () => {
    const findings = preflightFindings(stackConfig(), { ...healthy(), ipPools: undefined }, { stack: "fixture" });
    for (const check of ["preflight/calico-pools", "preflight/calico-pools-declared"]) {
      expect(finding(findings, check)).toMatchObject({ ok: false });
      expect(finding(findings, check).detail).toMatch(/^Calico is installed \(DaemonSet kube-system\/calico-node\) but neither IPPool API answers/);
    }
  });

  it("skip, saying why, when neither Calico nor its IPPool API is there, or no pool exists yet", () => {
    const noCalico = preflightFindings(stackConfig(), { ...healthy(), ipPools: undefined, calico: { daemonSets: [] } }, { stack: "fixture" });
    expect(finding(noCalico, "preflight/calico-pools")).toMatchObject({ ok: true, skipped: true, detail: expect.stringMatching(/no Calico is installed$/) });
    const noPools = preflightFindings(stackConfig(), { ...healthy(), ipPools: { api: "crd.projectcalico.org/v1", pools: [] } }, { stack: "fixture" });
    for (const check of ["preflight/calico-pools", "preflight/calico-pools-declared"]) {
      expect(finding(noPools, check)).toMatchObject({ ok: true, skipped: true, detail: expect.stringMatching(/^no Calico IPPool exists/) });
    }
  });
});

describe("Calico's install mode", () => {
  const operatorInstall = (): PreflightSnapshot["calico"] => {
    const ds = structuredClone(healthy().calico.daemonSets[0]);
    ds.metadata!.namespace = "calico-system";
    return { daemonSets: [ds], installations: [json("installation.json")] };
  };
  const operatorConfig = () => stackConfig({ calico: { mode: "operator", poolCidrs: ["192.168.0.0/16"], ipv4Autodetection: { interface: "ens3f0" } } });

  it("detects operator and manifest installs", () => {
    expect(detectCalicoInstall(operatorInstall())).toEqual({ mode: "operator", installations: ["default"] });
    expect(detectCalicoInstall(healthy().calico)).toEqual({ mode: "manifest", daemonSets: ["kube-system/calico-node"] });
    expect(detectCalicoInstall({ daemonSets: [] })).toEqual({ mode: "absent" });
    expect(calicoDaemonSetCandidates(stackConfig())).toEqual([
      { namespace: "kube-system", name: "calico-node" },
      { namespace: "calico-system", name: "calico-node" },
    ]);
  });

  it("fails a manifest stack on an operator-managed Calico", () => {
    expect(finding(preflightFindings(stackConfig(), { ...healthy(), calico: operatorInstall() }, { stack: "fixture" }), "preflight/calico-mode").detail)
      .toBe("Calico is operator-managed (Installation default): the operator reverts DaemonSet patches; set multinet:calico.mode: operator");
  });

  it("fails an operator stack on a manifest install and passes it on the operator", () => {
    expect(finding(preflightFindings(operatorConfig(), healthy(), { stack: "fixture" }), "preflight/calico-mode").detail)
      .toBe("Calico is a manifest install (DaemonSet kube-system/calico-node, no Installation); set multinet:calico.mode: manifest");
    expect(finding(preflightFindings(operatorConfig(), { ...healthy(), calico: operatorInstall() }, { stack: "fixture" }), "preflight/calico-mode"))
      .toMatchObject({ ok: true, detail: "operator-managed Calico (Installation default), multinet:calico.mode is operator" });
  });

  it("names a calico-node in another namespace or without the container", () => {
    const snapshot = healthy();
    snapshot.calico.daemonSets[0].metadata!.namespace = "calico-system";
    expect(finding(preflightFindings(stackConfig(), snapshot, { stack: "fixture" }), "preflight/calico-mode").detail)
      .toBe("DaemonSet kube-system/calico-node not found; calico-node runs as calico-system/calico-node: set multinet:calico.namespace / multinet:calico.daemonSetName");
    const renamed = healthy();
    renamed.calico.daemonSets[0].spec!.template.spec!.containers[0].name = "node";
    expect(finding(preflightFindings(stackConfig(), renamed, { stack: "fixture" }), "preflight/calico-mode").detail)
      .toMatch(/has no container calico-node \(containers: node\); set multinet:calico\.containerName$/);
  });

  // The patch sets SKIP_CNI_BINARIES on Calico's installer, the init container install-cni
  // (calico v3.32.1 manifests/calico.yaml:7501); a patch naming a missing one would create it without an image.
  it("names a calico-node without Calico's install-cni init container, and how to leave it alone", () => {
    const custom = healthy();
    custom.calico.daemonSets[0].spec!.template.spec!.initContainers = [{ name: "upgrade-ipam" }];
    expect(finding(preflightFindings(stackConfig(), custom, { stack: "fixture" }), "preflight/calico-mode").detail).toBe(
      "DaemonSet kube-system/calico-node has no init container install-cni (Calico's CNI installer; init containers: upgrade-ipam), which would get SKIP_CNI_BINARIES; set multinet:calico.skipCniBinaries: []",
    );
    expect(finding(preflightFindings(stackConfig({ calico: { ...stackConfig().calico, skipCniBinaries: [] } }), custom, { stack: "fixture" }), "preflight/calico-mode").ok).toBe(true);
  });

  it("fails without Calico, whatever the mode", () => {
    for (const config of [stackConfig(), stackConfig({ calico: { mode: "none" } })]) {
      expect(finding(preflightFindings(config, { ...healthy(), calico: { daemonSets: [] } }, { stack: "fixture" }), "preflight/calico-mode").detail)
        .toMatch(/^no Calico found: no Installation and no calico-node DaemonSet \(kube-system\/calico-node, calico-system\/calico-node\); multinet needs Calico as the primary CNI$/);
    }
  });
});

describe("namespaces multinet does not own", () => {
  const namespacesCheck = (config: StackConfig, snapshot = healthy()) => finding(preflightFindings(config, snapshot, { stack: "fixture" }), "preflight/namespaces");
  const storageNad = { name: "storage", namespace: "storage", type: "macvlan", master: "eth1", ipam: { type: "static" } };

  it("fails for a NAD namespace that does not exist, naming the key and both fixes", () => {
    const result = namespacesCheck(stackConfig({ networks: [storageNad], samplePod: { enabled: false } }));
    expect(result.ok).toBe(false);
    expect(result.detail).toBe("storage (multinet:networks[0].namespace) does not exist, and multinet creates only namespaces it owns; create it (kubectl create namespace storage) or set its createNamespace: true");
  });

  it("passes when the stack creates that namespace itself", () => {
    const result = namespacesCheck(stackConfig({ networks: [{ ...storageNad, createNamespace: true }], samplePod: { enabled: false } }));
    expect(result).toMatchObject({ ok: true, detail: expect.stringContaining("storage (created by multinet)") });
  });

  it("fails when a namespace the stack would create already exists as someone else's", () => {
    const snapshot = healthy();
    snapshot.namespaces = [...snapshot.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "storage", labels: { team: "storage" } } }];
    const result = namespacesCheck(stackConfig({ networks: [{ ...storageNad, createNamespace: true }], samplePod: { enabled: false } }), snapshot);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain("storage (multinet:networks[0].namespace) already exists and is not multinet's");
  });

  it("requires the CNI plugins installer's namespace to exist when the stack deploys it", () => {
    expect(namespacesCheck(stackConfig({ cniPlugins: { enabled: true, namespace: "cni-tools" } })).detail)
      .toBe("cni-tools (multinet:cniPlugins.namespace) does not exist, and multinet creates only namespaces it owns; create it (kubectl create namespace cni-tools)");
  });

  it("never creates kube-system for flanneld, and requires the namespaces it uses to exist", () => {
    const config = stackConfig({ flannel: { namespace: "kube-system", iface: ["eth1"] } });
    expect(config.flannel.createNamespace).toBe(false);
    const snapshot = healthy();
    snapshot.namespaces = snapshot.namespaces.filter((ns) => ns.metadata?.name !== "default");
    expect(namespacesCheck(config, snapshot).detail).toBe("default (multinet:networks[0].namespace) does not exist, and multinet creates only namespaces it owns; create it (kubectl create namespace default)");
  });
});

describe("objects that exist before multinet creates them (AlreadyExists since provider 4.29)", () => {
  // The manual setup: upstream multus-daemonset-thick.yml and kube-flannel.yml, applied with kubectl.
  const manual = (kind: string, name: string, namespace?: string): ExistingObject => ({
    apiVersion: "v1", kind, name, ...(namespace ? { namespace } : {}), labels: { app: "flannel" }, managers: ["kubectl-client-side-apply"],
  });

  it("includes every name the manual setup uses", () => {
    const names = objectsMultinetCreates(stackConfig()).map((o) => `${o.kind} ${o.namespace ?? ""}/${o.name}`);
    for (const expected of [
      "DaemonSet kube-system/kube-multus-ds", "ConfigMap kube-system/multus-daemon-config", "ClusterRole /multus",
      "DaemonSet kube-flannel/kube-flannel-ds", "ConfigMap kube-flannel/kube-flannel-cfg", "ClusterRole /flannel",
      "NetworkAttachmentDefinition default/flannel", "Pod default/multinet-sample",
    ]) expect(names).toContain(expected);
    // The CRD is a server-side-apply patch, adopted rather than created.
    expect(names.some((n) => n.startsWith("CustomResourceDefinition"))).toBe(false);
    // The CNI plugins installer only when the stack deploys it.
    expect(names).not.toContain("DaemonSet kube-system/multinet-cni-plugins");
    expect(objectsMultinetCreates(stackConfig({ cniPlugins: { enabled: true } })).map((o) => `${o.kind} ${o.namespace ?? ""}/${o.name}`))
      .toContain("DaemonSet kube-system/multinet-cni-plugins");
  });

  it("fails for objects someone else created, naming them and who wrote them", () => {
    const result = judgeExistingObjects([manual("DaemonSet", "kube-flannel-ds", "kube-flannel"), manual("ConfigMap", "kube-flannel-cfg", "kube-flannel")], "fixture", false);
    expect(result.ok).toBe(false);
    expect(result.detail).toBe("DaemonSet kube-flannel/kube-flannel-ds (written by kubectl-client-side-apply), ConfigMap kube-flannel/kube-flannel-cfg (written by kubectl-client-side-apply) already exist and are not this stack's: pulumi up would fail with AlreadyExists. Delete them first, as docs/migrating.md describes (or adopt with kubernetes:upsertExistingObjects); one multinet stack per cluster");
  });

  it("fails for another multinet stack's objects: one stack per cluster", () => {
    const theirs = { ...manual("DaemonSet", "kube-multus-ds", "kube-system"), labels: { "app.kubernetes.io/part-of": "multinet", "app.kubernetes.io/instance": "dev" } };
    expect(judgeExistingObjects([theirs], "fixture", false)).toMatchObject({ ok: false, detail: expect.stringMatching(/^DaemonSet kube-system\/kube-multus-ds \(multinet stack dev's\) already exists and is not this stack's/) });
  });

  it("passes for multinet's own objects (an earlier up of this stack), and when the stack adopts", () => {
    const own = { ...manual("DaemonSet", "kube-multus-ds", "kube-system"), labels: { "app.kubernetes.io/part-of": "multinet", "app.kubernetes.io/instance": "fixture" } };
    expect(judgeExistingObjects([own], "fixture", false)).toMatchObject({ ok: true, detail: "none of multinet's objects exists as someone else's; 1 already this stack's" });
    expect(judgeExistingObjects([manual("DaemonSet", "kube-flannel-ds", "kube-flannel")], "fixture", true))
      .toMatchObject({ ok: true, detail: expect.stringContaining("kubernetes:upsertExistingObjects is set") });
  });
});
