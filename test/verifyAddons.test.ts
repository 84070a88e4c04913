/**
 * The verifier's and the preflight's checks of whereabouts and MultiNetworkPolicy, on the fixture
 * cluster (test/helpers/verifySnapshot.ts) with the sample pod's `data` network on whereabouts
 * (the NAD, the pool and the daemons' states put in by hand: no cluster ran whereabouts here).
 */
import { describe, expect, it } from "vitest";
import { networkAttachmentDefinition } from "../lib/build/networks";
import { whereaboutsAllocationKey, whereaboutsPoolName } from "../lib/build/whereaboutsIpam";
import { objectsMultinetCreates, type ExistingObject } from "../lib/verify/existing";
import { judgePingObservation, pingPlan } from "../lib/verify/ping";
import { preflightFindings, type PreflightSnapshot } from "../lib/verify/preflight";
import type { AddonsSnapshot, VerifySnapshot } from "../lib/verify/snapshot";
import { verifyFindings } from "../lib/verify/verify";
import { failed, finding, healthy, stackConfig } from "./helpers/verifySnapshot";

const image = "ghcr.io/k8snetworkplumbingwg/multi-networkpolicy-iptables@sha256:" + "b".repeat(64);

function config(ipam: Record<string, unknown> = {}) {
  const base = stackConfig();
  return stackConfig({
    networks: [
      { name: "data", type: "macvlan", master: "eth1", ipam: { type: "whereabouts", range: "172.30.1.0/24", range_start: "172.30.1.10", range_end: "172.30.1.49", gateway: "172.30.1.1", ...ipam } },
      ...base.networks.filter((n) => n.type === "flannel"),
    ],
    whereabouts: { enabled: true },
    multiNetworkPolicy: { enabled: true, image },
    policies: [{ name: "deny", networks: ["data"], policyTypes: ["Ingress"] }],
  });
}

/** The fixture's Multus DaemonSet state, renamed: a rolled-out DaemonSet on every node. */
function rolledOut(snapshot: VerifySnapshot, name: string) {
  const state = structuredClone(snapshot.multus);
  state.daemonSet!.metadata!.name = name;
  return state;
}

/** The healthy cluster with whereabouts, its pool holding the sample pod's net1 address 172.30.1.10, and the enforcer. */
function withAddons(addons: (a: Required<AddonsSnapshot>) => void = () => {}): VerifySnapshot {
  const snapshot = healthy();
  const full: Required<AddonsSnapshot> = {
    whereabouts: {
      daemonSet: rolledOut(snapshot, "whereabouts"),
      reconciler: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "whereabouts-reconciler", namespace: "kube-system" }, status: { readyReplicas: 1 } },
      pools: {
        "172.30.1.0-24": {
          metadata: { name: "172.30.1.0-24", namespace: "kube-system" },
          spec: { range: "172.30.1.0/24", allocations: { 10: { id: "c0ffee", podref: "default/multinet-sample", ifname: "net1" } } },
        },
      },
    },
    multiNetworkPolicy: rolledOut(snapshot, "multi-networkpolicy-ds-amd64"),
  };
  addons(full);
  // The live NAD is the whereabouts one this config builds.
  const data = networkAttachmentDefinition(config().networks[0]);
  return { ...snapshot, nads: { ...snapshot.nads, "default/data": data }, addons: full };
}

describe("whereabouts and the enforcer, verified", () => {
  it("pass on a healthy cluster: daemons rolled out, the address in range and reserved for the pod", () => {
    const findings = verifyFindings(config(), withAddons());
    expect(failed(findings)).toEqual([]);
    expect(finding(findings, "pod/attachment/net1").detail).toBe("net1 (default/data) has 172.30.1.10, inside 172.30.1.0/24 from 172.30.1.10 to 172.30.1.49 (whereabouts)");
    expect(finding(findings, "whereabouts/reservation/net1").detail).toBe("172.30.1.10 is reserved for default/multinet-sample net1 in IPPool kube-system/172.30.1.0-24");
    expect(finding(findings, "whereabouts/rollout").ok).toBe(true);
    expect(finding(findings, "whereabouts/reconciler").ok).toBe(true);
    expect(finding(findings, "multi-networkpolicy/rollout").ok).toBe(true);
  });

  it("fail for an address whereabouts would not hand out", () => {
    expect(finding(verifyFindings(config({ range_start: "172.30.1.20" }), withAddons()), "pod/attachment/net1").detail)
      .toMatch(/has 172\.30\.1\.10, want an address inside 172\.30\.1\.0\/24 from 172\.30\.1\.20 to 172\.30\.1\.49 \(whereabouts\)$/);
    expect(finding(verifyFindings(config({ exclude: ["172.30.1.8/29"] }), withAddons()), "pod/attachment/net1").ok).toBe(false);
  });

  it("fail when the pool is missing, or holds the address for another pod", () => {
    expect(finding(verifyFindings(config(), withAddons((a) => { a.whereabouts.pools = {}; })), "whereabouts/reservation/net1").detail)
      .toBe("IPPool kube-system/172.30.1.0-24 not found; whereabouts keeps the allocations of 172.30.1.0/24 there");
    const other = withAddons((a) => { (a.whereabouts.pools["172.30.1.0-24"]!.spec!.allocations as any)[10].podref = "default/other"; });
    expect(finding(verifyFindings(config(), other), "whereabouts/reservation/net1").detail).toMatch(/gives 172\.30\.1\.10 to default\/other \(net1\), not default\/multinet-sample net1$/);
    const moved = withAddons((a) => { a.whereabouts.pools["172.30.1.0-24"]!.spec!.allocations = { 11: { id: "c0ffee", podref: "default/multinet-sample" } }; });
    expect(finding(verifyFindings(config(), moved), "whereabouts/reservation/net1").detail).toBe("IPPool kube-system/172.30.1.0-24 has no allocation 10 for 172.30.1.10");
  });

  it("fail when a daemon or the reconciler is missing or not ready", () => {
    const findings = verifyFindings(config(), withAddons((a) => {
      a.whereabouts.reconciler = { ...a.whereabouts.reconciler!, status: { readyReplicas: 0 } };
      a.multiNetworkPolicy = {};
    }));
    expect(failed(findings)).toEqual(["whereabouts/reconciler", "multi-networkpolicy/rollout"]);
  });

  it("are not run for a stack without the add-ons", () => {
    expect(verifyFindings(stackConfig(), healthy()).map((f) => f.check).filter((c) => /whereabouts|multi-networkpolicy/.test(c))).toEqual([]);
  });
});

describe("whereabouts' names for pools and allocations (pkg/storage/kubernetes/ipam.go:106-134, 259-269)", () => {
  it("name a pool after the range, prefixed by network_name", () => {
    expect(whereaboutsPoolName({ range: "10.210.0.0/24" })).toBe("10.210.0.0-24");
    expect(whereaboutsPoolName({ range: "10.210.0.0/24", network_name: "storage" })).toBe("storage-10.210.0.0-24");
    expect(whereaboutsPoolName({ range: "fd00:50:0::/64" })).toBe("fd00-50---64");
  });

  it("key an allocation by its offset from the range's first address", () => {
    expect(whereaboutsAllocationKey("10.50.0.0/22", "10.50.1.7")).toBe("263");
    expect(whereaboutsAllocationKey("fd00:50::/64", "fd00:50::1:0")).toBe("65536");
  });
});

describe("the add-ons' preflight", () => {
  const snapshot = (namespaces: string[], existing: ExistingObject[]): PreflightSnapshot => ({
    nodes: [], calico: { daemonSets: [] }, existing,
    namespaces: namespaces.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })),
  });
  const judge = (namespaces: string[], existing: ExistingObject[] = []) =>
    preflightFindings(config(), snapshot(namespaces, existing), { stack: "fixture" }).filter((f) => ["preflight/namespaces", "preflight/existing-objects"].includes(f.check));

  it("needs the add-ons' and the policies' namespaces", () => {
    expect(judge(["kube-system", "default"]).map((f) => f.ok)).toEqual([true, true]);
    const policyNamespace = stackConfig({ ...config(), whereabouts: { enabled: true, namespace: "ipam" } } as never);
    expect(preflightFindings(policyNamespace, snapshot(["kube-system", "default"], []), { stack: "fixture" }).find((f) => f.check === "preflight/namespaces")?.detail)
      .toMatch(/ipam \(multinet:whereabouts\.namespace\) does not exist/);
  });

  it("counts whereabouts' and the enforcer's objects among those multinet creates: another installation's CRD fails", () => {
    const refs = objectsMultinetCreates(config()).map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`);
    expect(refs).toEqual(expect.arrayContaining([
      "CustomResourceDefinition ippools.whereabouts.cni.cncf.io", "DaemonSet kube-system/whereabouts", "Deployment kube-system/whereabouts-reconciler",
      "CustomResourceDefinition multi-networkpolicies.k8s.cni.cncf.io", "DaemonSet kube-system/multi-networkpolicy-ds-amd64", "MultiNetworkPolicy default/deny",
    ]));
    const foreignCrd: ExistingObject = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "ippools.whereabouts.cni.cncf.io", labels: {}, managers: ["helm"] };
    expect(judge(["kube-system", "default"], [foreignCrd])[1]).toMatchObject({ ok: false, detail: expect.stringMatching(/^CustomResourceDefinition ippools\.whereabouts\.cni\.cncf\.io \(written by helm\) already exists/) });
  });
});

describe("the ping under a MultiNetworkPolicy", () => {
  const observation = (output: string, exitCode: number) => ({
    peer: "multinet-sample-peer", peerNode: "multinet-worker2", samplePodNode: "multinet-worker",
    results: [{ ifname: "net1", target: "172.30.1.10", peerAddress: "172.30.1.11", result: { exitCode, output } }],
  });
  const lost = "3 packets transmitted, 0 packets received, 100% packet loss";
  const answered = "3 packets transmitted, 3 packets received, 0% packet loss";
  const pingOn = (overrides: Record<string, unknown> = {}) => {
    const base = config();
    return { ...base, verification: { ...base.verification, ping: { ...base.verification.ping, enabled: true } }, ...overrides } as typeof base;
  };

  it("pings a whereabouts network across nodes and expects no reply where a deny-all policy selects the sample pod", () => {
    const cfg = pingOn();
    expect(pingPlan(cfg).attachments.map((a) => a.ifname)).toContain("net1");
    expect(judgePingObservation(cfg, observation(lost, 1)).find((f) => f.check === "ping/net1"))
      .toMatchObject({ ok: true, detail: expect.stringMatching(/0\/3 replies, denied by MultiNetworkPolicy deny$/) });
    expect(judgePingObservation(cfg, observation(answered, 0)).find((f) => f.check === "ping/net1"))
      .toMatchObject({ ok: false, detail: expect.stringMatching(/3\/3 replies, but MultiNetworkPolicy deny should deny it$/) });
  });

  it("expects replies without a policy, and does not judge a policy with rules", () => {
    expect(judgePingObservation(pingOn({ policies: [] }), observation(answered, 0)).find((f) => f.check === "ping/net1")?.ok).toBe(true);
    const withRules = pingOn({ policies: [{ ...config().policies[0], ingress: [{ from: [{ ipBlock: { cidr: "172.30.1.0/24", except: [] } }], ports: [] }] }] });
    expect(pingPlan(withRules).skipped.find((f) => f.check === "ping/net1")?.detail).toMatch(/MultiNetworkPolicy deny has ingress rules; whether they admit the peer is not judged$/);
  });
});
