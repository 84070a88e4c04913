/**
 * The verifier's and the preflight's checks of whereabouts and MultiNetworkPolicy, on the fixture
 * cluster (test/helpers/verifySnapshot.ts) with the sample pod's `data` network on whereabouts
 * (the NAD, the pool and the daemons' states put in by hand: no cluster ran whereabouts here).
 */
import { describe, expect, it } from "vitest";
import { networkAttachmentDefinition } from "../lib/build/networks";
import { whereaboutsAllocationKey, whereaboutsPoolName } from "../lib/build/whereaboutsIpam";
import type { AddonsPreflightSnapshot } from "../lib/verify/addonsPreflight";
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
      ...base.networks.slice(1),
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
  const ours = { metadata: { name: "x", labels: { "app.kubernetes.io/part-of": "multinet" } } };
  const snapshot = (addons: AddonsPreflightSnapshot): PreflightSnapshot => ({ nodes: [], calico: { daemonSets: [] }, addons });
  const judge = (addons: AddonsPreflightSnapshot) => preflightFindings(config(), snapshot(addons)).filter((f) => f.check.startsWith("preflight/addon"));

  it("passes when the namespaces exist and the CRDs are absent or multinet's", () => {
    expect(judge({ namespaces: { "kube-system": true, default: true }, crds: { "ippools.whereabouts.cni.cncf.io": ours } }).map((f) => f.ok)).toEqual([true, true]);
  });

  it("fails for a missing namespace and for another installation's CRD", () => {
    const findings = judge({ namespaces: { "kube-system": true }, crds: { "multi-networkpolicies.k8s.cni.cncf.io": { metadata: { name: "x" } } } });
    expect(findings.map((f) => [f.check, f.ok, f.detail])).toEqual([
      ["preflight/addon-namespaces", false, "namespace default does not exist; multinet does not create it: create it first"],
      ["preflight/addon-ownership", false, "CRD multi-networkpolicies.k8s.cni.cncf.io exists and multinet did not create it: another installation manages MultiNetworkPolicy; remove it or disable multinet:multiNetworkPolicy"],
    ]);
  });

  it("is not run when neither add-on is enabled", () => {
    expect(preflightFindings(stackConfig(), snapshot({ namespaces: {}, crds: {} })).filter((f) => f.check.startsWith("preflight/addon"))).toEqual([]);
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
