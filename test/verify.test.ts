/**
 * The verifier's judging logic (lib/verify/) on realistic API objects (test/fixtures/verify/): the
 * whole judgement of a healthy cluster, the DaemonSet, Calico and NAD checks, the report, and the
 * config the checks see. The sample pod's checks are test/verifyPod.test.ts, the ping's
 * test/verifyPing.test.ts.
 */
import { describe, expect, it } from "vitest";
import { verifyCommandLine } from "../lib/verify/command";
import { buildReport, errorReport, formatReport, parseReport, type Finding } from "../lib/verify/findings";
import { operatorCalicoNodeEnv } from "../lib/verify/calico";
import { jsonDifferences } from "../lib/verify/nads";
import { eligibleNodes, ineligibleReason, tolerates } from "../lib/verify/scheduling";
import { notReadyReason } from "../lib/verify/rollout";
import { verifyTargets } from "../lib/verify/snapshot";
import { publicConfig, withoutSecureValues } from "../lib/config";
import { verifyFindings } from "../lib/verify/verify";
import { failed, finding, healthy, json, stackConfig } from "./helpers/verifySnapshot";

describe("a healthy cluster", () => {
  it("passes every check, in a fixed order", () => {
    const findings = verifyFindings(stackConfig(), healthy());
    expect(findings.map((f) => f.check)).toEqual([
      "multus/rollout", "flannel/rollout", "calico/autodetection", "calico/rollout", "calico/node-addresses",
      "nad/default/data", "nad/default/data-sbr", "nad/default/flannel",
      "pod/running", "pod/network-status", "pod/attachment/net1", "pod/attachment/net2",
      "pod/default-route", "pod/route/net1", "pod/route/net2",
    ]);
    expect(failed(findings)).toEqual([]);
  });

  it("says what it saw", () => {
    const findings = verifyFindings(stackConfig(), healthy());
    expect(finding(findings, "multus/rollout").detail).toBe("DaemonSet kube-system/kube-multus-ds: 3/3 pods updated and available on all 3 eligible nodes");
    expect(finding(findings, "calico/autodetection").detail).toBe("DaemonSet kube-system/calico-node: IP_AUTODETECTION_METHOD=interface=eth0");
    expect(finding(findings, "pod/network-status").detail).toBe("default k8s-pod-network on eth0 192.168.1.2");
    expect(finding(findings, "pod/attachment/net2").detail).toBe("net2 (default/flannel) has 10.244.1.2, inside 10.244.0.0/16");
    expect(finding(findings, "pod/default-route").detail).toBe("default via 192.168.1.1 dev eth0");
    expect(finding(findings, "pod/route/net1").detail).toBe("172.30.1.0/24 via net1 (172.30.1.0/24 dev net1)");
    expect(finding(findings, "pod/route/net2").detail).toBe("10.244.0.0/16 via net2 (10.244.0.0/16 via 10.244.1.1 dev net2)");
  });

  it("reads its targets from the deploy's own builders", () => {
    expect(verifyTargets(stackConfig())).toMatchObject({
      multus: { namespace: "kube-system", name: "kube-multus-ds" },
      flannel: { namespace: "kube-flannel", name: "kube-flannel-ds" },
      calicoDaemonSet: { namespace: "kube-system", name: "calico-node" },
      samplePod: { namespace: "default", name: "multinet-sample", container: "sample" },
    });
  });
});

describe("DaemonSet rollouts", () => {
  it("name the nodes without a ready daemon pod", () => {
    const snapshot = healthy();
    snapshot.multus.daemonSet!.status!.numberAvailable = 2;
    snapshot.multus.daemonSet!.status!.numberReady = 2;
    const stuck = snapshot.multus.pods!.find((p) => p.spec!.nodeName === "multinet-worker2")!;
    stuck.status!.conditions!.find((c) => c.type === "Ready")!.status = "False";
    expect(finding(verifyFindings(stackConfig(), snapshot), "multus/rollout")).toEqual({
      check: "multus/rollout", ok: false,
      detail: "DaemonSet kube-system/kube-multus-ds: 2/3 pods available; no ready pod on multinet-worker2 (not Ready)",
    });
  });

  it("say why each pod is not ready, in the kubelet's words, and name a node with no pod at all", () => {
    const snapshot = healthy();
    snapshot.multus.daemonSet!.status!.numberAvailable = 0;
    const [first, second, third] = snapshot.multus.pods!;
    for (const pod of [first, second, third]) pod.status!.conditions!.find((c) => c.type === "Ready")!.status = "False";
    first.status!.initContainerStatuses = [{ name: "install-multus-binary", ready: false, restartCount: 4, image: "", imageID: "", state: { waiting: { reason: "CrashLoopBackOff" } } }];
    first.status!.containerStatuses = [{ name: "kube-multus", ready: false, restartCount: 0, image: "", imageID: "", state: { waiting: { reason: "PodInitializing" } } }];
    second.status!.phase = "Pending";
    second.status!.containerStatuses = [{ name: "kube-multus", ready: false, restartCount: 2, image: "", imageID: "", state: { terminated: { exitCode: 1, reason: "Error" } } }];
    snapshot.multus.pods = [first, second];
    expect(finding(verifyFindings(stackConfig(), snapshot), "multus/rollout").detail).toBe(
      `DaemonSet kube-system/kube-multus-ds: 0/3 pods available; no ready pod on ${first.spec!.nodeName} (install-multus-binary CrashLoopBackOff), ${second.spec!.nodeName} (kube-multus Error), ${third.spec!.nodeName}`);
  });

  it("quote at most 40 characters of a reason the cluster gives", () => {
    const pod = { apiVersion: "v1" as const, kind: "Pod" as const, status: { phase: "Running" as const, containerStatuses: [{ name: "c", ready: false, restartCount: 0, image: "", imageID: "", state: { waiting: { reason: `${"A".repeat(1000)}\nFAIL forged` } } }] } };
    expect(notReadyReason(pod)).toBe(`c ${"A".repeat(40)}`);
  });

  it("say when a pod on a node is pending or being deleted", () => {
    const snapshot = healthy();
    const [first, second] = snapshot.multus.pods!;
    first.status!.phase = "Pending";
    first.status!.conditions!.find((c) => c.type === "Ready")!.status = "False";
    second.metadata!.deletionTimestamp = "2026-12-02T10:00:00Z";
    expect(finding(verifyFindings(stackConfig(), snapshot), "multus/rollout").detail).toBe(
      `DaemonSet kube-system/kube-multus-ds: no ready pod on ${first.spec!.nodeName} (Pending), ${second.spec!.nodeName} (terminating)`);
  });

  it("wait for the controller to observe a new generation", () => {
    const snapshot = healthy();
    snapshot.flannel!.daemonSet!.metadata!.generation = 2;
    expect(finding(verifyFindings(stackConfig(), snapshot), "flannel/rollout").detail)
      .toBe("DaemonSet kube-flannel/kube-flannel-ds: the controller has not observed generation 2 yet (observed 1)");
  });

  it("fail when the DaemonSet is missing or wants no pods", () => {
    const snapshot = healthy();
    snapshot.flannel = {};
    snapshot.calico.daemonSet!.status!.desiredNumberScheduled = 0;
    const findings = verifyFindings(stackConfig(), snapshot);
    expect(finding(findings, "flannel/rollout").detail).toBe("DaemonSet kube-flannel/kube-flannel-ds not found");
    expect(finding(findings, "calico/rollout").detail).toMatch(/wants no pods: no node matches its nodeSelector \{"kubernetes.io\/os":"linux"\}/);
  });

  it("judge the CNI plugins installer only when the stack deploys it", () => {
    expect(verifyFindings(stackConfig(), healthy()).map((f) => f.check)).not.toContain("cni-plugins/rollout");
    const config = stackConfig({ cniPlugins: { enabled: true } });
    const snapshot = healthy();
    expect(finding(verifyFindings(config, snapshot), "cni-plugins/rollout").detail).toBe("DaemonSet kube-system/multinet-cni-plugins not found");
    // Its pods stay Init while the copy fails (a plugin missing from the image, a read-only /opt/cni/bin).
    const installer = structuredClone(snapshot.multus.daemonSet!);
    installer.metadata = { ...installer.metadata, name: "multinet-cni-plugins" };
    installer.status = { ...installer.status!, numberAvailable: 1, numberReady: 1 };
    snapshot.cniPlugins = { daemonSet: installer };
    expect(finding(verifyFindings(config, snapshot), "cni-plugins/rollout")).toMatchObject({ ok: false, detail: "DaemonSet kube-system/multinet-cni-plugins: 1/3 pods available" });
    installer.status = { ...installer.status, numberAvailable: 3, numberReady: 3 };
    expect(finding(verifyFindings(config, snapshot), "cni-plugins/rollout")).toMatchObject({ ok: true, detail: "DaemonSet kube-system/multinet-cni-plugins: 3/3 pods updated and available" });
  });

  it("count a tainted control plane only when the DaemonSet tolerates it", () => {
    const nodes = json("nodes.json").items;
    expect(eligibleNodes(nodes, { tolerations: [{ operator: "Exists", effect: "NoSchedule" }] }).length).toBe(3);
    expect(ineligibleReason(nodes[0], { tolerations: [] })).toBe("taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated");
    expect(ineligibleReason(nodes[1], { nodeSelector: { "kubernetes.io/os": "windows" } })).toBe("label kubernetes.io/os=windows missing");
    // The DaemonSet controller's own tolerations: a cordoned or not-ready node still counts.
    expect(ineligibleReason({ ...nodes[1], spec: { taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] } }, {})).toBeUndefined();
    expect(tolerates({ key: "dedicated", operator: "Equal", value: "net", effect: "NoExecute" }, { key: "dedicated", value: "net", effect: "NoExecute" })).toBe(true);
    expect(tolerates({ key: "dedicated", operator: "Equal", value: "net" }, { key: "dedicated", value: "db", effect: "NoExecute" })).toBe(false);
  });
});

describe("Calico", () => {
  it("fails when calico-node lost or never got the autodetection", () => {
    const snapshot = healthy();
    const env = snapshot.calico.daemonSet!.spec!.template.spec!.containers[0].env!;
    env.find((e) => e.name === "IP_AUTODETECTION_METHOD")!.value = "first-found";
    expect(finding(verifyFindings(stackConfig(), snapshot), "calico/autodetection").detail)
      .toBe("DaemonSet kube-system/calico-node: IP_AUTODETECTION_METHOD=first-found (want interface=eth0)");
    env.splice(env.findIndex((e) => e.name === "IP_AUTODETECTION_METHOD"), 1);
    expect(finding(verifyFindings(stackConfig(), snapshot), "calico/autodetection").detail)
      .toBe("DaemonSet kube-system/calico-node: IP_AUTODETECTION_METHOD is not set (want interface=eth0)");
  });

  it("reads the Installation in operator mode", () => {
    const config = stackConfig({ calico: { mode: "operator", poolCidrs: ["192.168.0.0/16"], ipv4Autodetection: { interface: "ens3f0" } } });
    const snapshot = healthy();
    snapshot.calico = { daemonSet: snapshot.calico.daemonSet, installation: json("installation.json") };
    expect(finding(verifyFindings(config, snapshot), "calico/autodetection"))
      .toEqual({ check: "calico/autodetection", ok: true, detail: 'Installation default: nodeAddressAutodetectionV4 {"interface":"ens3f0"}' });

    const other = stackConfig({ calico: { mode: "operator", poolCidrs: ["192.168.0.0/16"], ipv4Autodetection: { cidrs: ["172.18.0.0/16"] } } });
    expect(finding(verifyFindings(other, snapshot), "calico/autodetection").detail)
      .toBe('Installation default: spec.calicoNetwork.nodeAddressAutodetectionV4 is {"interface":"ens3f0"} (want {"cidrs":["172.18.0.0/16"]})');
    snapshot.calico.installation = undefined;
    expect(finding(verifyFindings(config, snapshot), "calico/autodetection").detail).toBe("Installation default not found");
  });

  it("skips what mode none leaves alone", () => {
    const findings = verifyFindings(stackConfig({ calico: { mode: "none" } }), healthy());
    expect(finding(findings, "calico/autodetection")).toMatchObject({ ok: true, skipped: true });
    expect(finding(findings, "calico/rollout")).toMatchObject({ ok: true, skipped: true });
  });

  it("in operator mode, judges the rollout only once the operator rendered the Installation's method into calico-node", () => {
    const config = stackConfig({ calico: { mode: "operator", poolCidrs: ["192.168.0.0/16"], ipv4Autodetection: { interface: "ens3f0" } } });
    const snapshot = healthy();
    const daemonSet = snapshot.calico.daemonSet!;
    daemonSet.metadata!.namespace = "calico-system";
    snapshot.calico = { daemonSet, installation: json("installation.json") };
    const env = daemonSet.spec!.template.spec!.containers[0].env!;
    // The Installation already says ens3f0 and the old DaemonSet is fully rolled out: not live yet.
    expect(finding(verifyFindings(config, snapshot), "calico/rollout")).toEqual({
      check: "calico/rollout", ok: false,
      detail: "DaemonSet calico-system/calico-node: IP_AUTODETECTION_METHOD=interface=eth0 (want interface=ens3f0): the operator has not rendered the Installation's autodetection yet",
    });
    env.find((e) => e.name === "IP_AUTODETECTION_METHOD")!.value = "interface=ens3f0";
    expect(finding(verifyFindings(config, snapshot), "calico/rollout")).toMatchObject({
      ok: true, detail: expect.stringMatching(/^DaemonSet calico-system\/calico-node: 3\/3 pods updated and available; renders IP_AUTODETECTION_METHOD=interface=ens3f0$/),
    });
    // Rendered, but the new pods are not out yet: the rollout decides.
    daemonSet.status!.updatedNumberScheduled = 1;
    expect(finding(verifyFindings(config, snapshot), "calico/rollout").detail).toMatch(/1\/3 pods updated/);
  });

  it("expects the operator's rendering of skipInterface: one regex, not the manifest's comma list", () => {
    const config = stackConfig({ calico: { mode: "operator", poolCidrs: ["192.168.0.0/16"], ipv4Autodetection: { skipInterface: ["flannel.*", "net.*"] }, ipv6Autodetection: { canReach: "2001:db8::1" } } });
    expect(operatorCalicoNodeEnv(config)).toEqual([
      { name: "IP_AUTODETECTION_METHOD", value: "skip-interface=flannel.*|net.*" },
      { name: "IP6_AUTODETECTION_METHOD", value: "can-reach=2001:db8::1" },
    ]);
  });

  it("says the node-address check is partial for methods the API cannot confirm", () => {
    expect(finding(verifyFindings(stackConfig(), healthy()), "calico/node-addresses").detail)
      .toBe("multinet-control-plane 172.18.0.2, multinet-worker 172.18.0.3, multinet-worker2 172.18.0.4: none in the Flannel network 10.244.0.0/16; IPv4 interface=eth0 itself not checked (the API does not show which interface an address is on)");
    const byInternalIp = stackConfig({ calico: { mode: "manifest", ipv4Autodetection: { kubernetesInternalIP: true } } });
    expect(finding(verifyFindings(byInternalIp, healthy()), "calico/node-addresses").detail).toMatch(/: none in the Flannel network 10\.244\.0\.0\/16; IPv4 the nodes' InternalIPs$/);
  });

  it("catches a node address Calico took from the Flannel network or outside its cidrs", () => {
    const snapshot = healthy();
    snapshot.nodes[2].metadata!.annotations!["projectcalico.org/IPv4Address"] = "10.244.2.0/32";
    expect(finding(verifyFindings(stackConfig(), snapshot), "calico/node-addresses").detail)
      .toBe("multinet-worker2 uses 10.244.2.0, inside the Flannel network 10.244.0.0/16 (Calico picked a Flannel interface)");
    const byCidr = stackConfig({ calico: { mode: "manifest", ipv4Autodetection: { cidrs: ["172.18.0.0/24"] } } });
    expect(finding(verifyFindings(byCidr, healthy()), "calico/node-addresses")).toMatchObject({ ok: true });
    const wrongCidr = stackConfig({ calico: { mode: "manifest", ipv4Autodetection: { cidrs: ["10.0.0.0/8"] } } });
    expect(finding(verifyFindings(wrongCidr, healthy()), "calico/node-addresses").detail).toMatch(/^multinet-control-plane uses 172\.18\.0\.2, outside 10\.0\.0\.0\/8/);
  });
});

describe("NADs", () => {
  it("fail when missing or when the config differs, naming the fields", () => {
    const snapshot = healthy();
    delete snapshot.nads["default/data-sbr"];
    snapshot.nads["default/data"]!.spec!.config = '{"cniVersion":"0.3.1","type":"macvlan","master":"eth2","mode":"bridge","mtu":9000,"ipam":{"type":"host-local","ranges":[[{"subnet":"172.30.1.0/24","rangeStart":"172.30.1.10","rangeEnd":"172.30.1.49","gateway":"172.30.1.1"}]]}}';
    snapshot.nads["default/flannel"]!.spec!.config = "{not json";
    const findings = verifyFindings(stackConfig(), snapshot);
    expect(finding(findings, "nad/default/data-sbr").detail).toBe("NetworkAttachmentDefinition default/data-sbr not found");
    expect(finding(findings, "nad/default/data").detail).toBe('default/data: master: "eth2", want "eth1", mtu: 9000, want absent');
    expect(finding(findings, "nad/default/flannel").detail).toMatch(/^default\/flannel: spec.config is not JSON/);
  });

  it("compare JSON by value, not by key order", () => {
    expect(jsonDifferences({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual([]);
    expect(jsonDifferences({ plugins: [{ type: "macvlan" }, { type: "sbr" }] }, { plugins: [{ type: "macvlan" }] }))
      .toEqual(['plugins[1]: missing, want {"type":"sbr"}']);
  });
});

describe("reports", () => {
  const findings: Finding[] = [
    { check: "multus/rollout", ok: true, detail: "3/3" },
    { check: "pod/route/net1", ok: false, detail: "10.244.0.0/16 goes default via 192.168.1.1 dev eth0, not via net1" },
    { check: "ping", ok: true, skipped: true, detail: "single-node cluster" },
  ];

  it("print one line per check and a summary naming the failures", () => {
    const report = buildReport("verify", "staging", findings, "kind-multinet");
    expect(report).toMatchObject({ ok: false, summary: "verify staging: 1 passed, 1 failed, 1 skipped (pod/route/net1)" });
    expect(formatReport(report)).toBe([
      " ok   multus/rollout  3/3",
      "FAIL  pod/route/net1  10.244.0.0/16 goes default via 192.168.1.1 dev eth0, not via net1",
      "skip  ping            single-node cluster",
      "verify staging: 1 passed, 1 failed, 1 skipped (pod/route/net1) (context kind-multinet)",
      "",
    ].join("\n"));
  });

  it("round-trip through the command's stdout, and never read garbage as a pass", () => {
    const report = buildReport("preflight", "dev", findings.slice(0, 1));
    expect(parseReport("preflight", "dev", JSON.stringify(report))).toEqual(report);
    expect(parseReport("preflight", "dev", undefined)).toMatchObject({ ok: false, error: "the command printed no report" });
    expect(parseReport("verify", "dev", "npx: command not found")).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
    expect(formatReport(errorReport("verify", "dev", "cannot reach the Kubernetes API server https://127.0.0.1:1"))).toBe("verify dev: could not run: cannot reach the Kubernetes API server https://127.0.0.1:1\n");
  });
});

describe("the stack config the checks see", () => {
  it("drops encrypted values, which the checks never need", () => {
    const { values, dropped } = withoutSecureValues({ flannel: { backend: { type: "wireguard", psk: { secure: "v1:abc" } } }, networks: [{ name: "a" }] });
    expect(values).toEqual({ flannel: { backend: { type: "wireguard" } }, networks: [{ name: "a" }] });
    expect(dropped).toEqual(["flannel.backend.psk"]);
  });

  it("keeps the WireGuard PSK out of the commands' triggers", () => {
    const config = stackConfig({ flannel: { backend: { type: "wireguard", psk: `${"A".repeat(43)}=` } } });
    expect(JSON.stringify(publicConfig(config))).not.toContain("AAAA");
    expect(publicConfig(config).flannel.backend).toEqual({ type: "wireguard", listenPort: 51820 });
  });

  it("runs the same script as npm run verify", () => {
    expect(verifyCommandLine("verify", "staging", stackConfig())).toBe("npx --no tsx scripts/verify.ts --stack staging --json");
    expect(verifyCommandLine("preflight", "kind", stackConfig(), "kind-multinet")).toBe("npx --no tsx scripts/verify.ts --stack kind --json --context kind-multinet --preflight");
    expect(verifyCommandLine("preflight", "staging", stackConfig())).toBe("npx --no tsx scripts/verify.ts --stack staging --json --preflight");
    expect(verifyCommandLine("verify", "my stack", stackConfig({ verification: { failOnError: false } })))
      .toBe("npx --no tsx scripts/verify.ts --stack 'my stack' --json --exit-zero");
  });
});
