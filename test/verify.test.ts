/**
 * The verifier's judging logic (lib/verify/) on realistic API objects (test/fixtures/verify/) and
 * on real kernel output of the data-plane lab's pods (test/fixtures/procnet/).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { IPod } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { multinetValues, publicConfig, validateConfig, withoutSecureValues, type StackConfig } from "../lib/config";
import { parseProcNetRoute } from "../lib/net/procnet";
import { pulumiConfigFromStackFile } from "../lib/files/stackFiles";
import { verifyCommandLine } from "../lib/verify/command";
import { buildReport, errorReport, formatReport, parseReport, type Finding } from "../lib/verify/findings";
import { isVerifierPeer, judgePing, peerPod, pingCommand } from "../lib/verify/peer";
import { defaultRoute, networkRoutedVia } from "../lib/verify/routes";
import { eligibleNodes, ineligibleReason, tolerates } from "../lib/verify/scheduling";
import {
  jsonDifferences, operatorCalicoNodeEnv, peerAttachmentAddress, peerNodes, pingPlan, podWarningMessages, verifyFindings, verifyTargets, type VerifySnapshot,
} from "../lib/verify/verify";

const fixtures = path.join(__dirname, "fixtures");
const json = (file: string) => JSON.parse(readFileSync(path.join(fixtures, "verify", file), "utf8"));
const procnet = (file: string) => readFileSync(path.join(fixtures, "procnet", file), "utf8");

function stackConfig(overrides: Record<string, unknown> = {}): StackConfig {
  const values = { ...multinetValues(pulumiConfigFromStackFile(path.join(fixtures, "verify", "Pulumi.fixture.yaml"))), ...overrides };
  const result = validateConfig(values);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

const byName = (list: { items: any[] }, name: string) => structuredClone(list.items.find((o) => o.metadata.name === name));

/** The healthy cluster: every object as multinet leaves it, the pod's real /proc/net/route. */
function healthy(): VerifySnapshot {
  const daemonSets = json("daemonsets.json");
  const pods = json("daemon-pods.json").items;
  const nads = json("nads.json").items;
  return {
    nodes: json("nodes.json").items,
    multus: { daemonSet: byName(daemonSets, "kube-multus-ds"), pods: pods.filter((p: any) => p.metadata.name.startsWith("kube-multus-ds")) },
    flannel: { daemonSet: byName(daemonSets, "kube-flannel-ds"), pods: pods.filter((p: any) => p.metadata.name.startsWith("kube-flannel-ds")) },
    calico: { daemonSet: byName(daemonSets, "calico-node") },
    nads: Object.fromEntries(nads.map((n: any) => [`${n.metadata.namespace}/${n.metadata.name}`, n])),
    samplePod: { pod: json("sample-pod.json"), warnings: [], procNetRoute: procnet("pod-route.txt") },
  };
}

const finding = (findings: Finding[], check: string) => {
  const found = findings.find((f) => f.check === check);
  if (!found) throw new Error(`no finding ${check}: ${findings.map((f) => f.check).join(", ")}`);
  return found;
};
const failed = (findings: Finding[]) => findings.filter((f) => !f.ok).map((f) => f.check);

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
      detail: "DaemonSet kube-system/kube-multus-ds: 2/3 pods available; no ready pod on multinet-worker2",
    });
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

describe("the sample pod", () => {
  it("reports a pod that does not run, with the last warning, and skips what depends on it", () => {
    const snapshot = healthy();
    const pod = snapshot.samplePod!.pod!;
    pod.status = { phase: "Pending", containerStatuses: [{ name: "sample", ready: false, restartCount: 0, image: "", imageID: "", state: { waiting: { reason: "ContainerCreating" } } }] };
    snapshot.samplePod!.warnings = [
      'FailedCreatePodSandBox: Failed to create pod sandbox: plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request failed with status 400: \'[default/multinet-sample:flannel]: error adding container to network "flannel": failed to load flannel \'subnet.env\' file: open /run/flannel/subnet.env: no such file or directory\'',
    ];
    const findings = verifyFindings(stackConfig(), snapshot);
    expect(finding(findings, "pod/running").detail).toMatch(/^pod default\/multinet-sample is Pending \(ContainerCreating\); last warning: FailedCreatePodSandBox: .*subnet\.env/);
    expect(finding(findings, "pod/network-status")).toMatchObject({ ok: true, skipped: true, detail: "not checked: the pod is not running" });
    expect(failed(findings)).toEqual(["pod/running"]);
  });

  it("fails without the network-status annotation", () => {
    const snapshot = healthy();
    delete snapshot.samplePod!.pod!.metadata!.annotations!["k8s.v1.cni.cncf.io/network-status"];
    expect(finding(verifyFindings(stackConfig(), snapshot), "pod/network-status").detail).toMatch(/has no k8s\.v1\.cni\.cncf\.io\/network-status annotation/);
  });

  it("fails when an attachment took the default, is missing or has an address outside its network", () => {
    const snapshot = healthy();
    const annotations = snapshot.samplePod!.pod!.metadata!.annotations!;
    const status = JSON.parse(annotations["k8s.v1.cni.cncf.io/network-status"]);
    status[0].default = false;
    status[2].default = true;
    status[2].ips = ["10.245.1.2"];
    status.splice(1, 1);
    annotations["k8s.v1.cni.cncf.io/network-status"] = JSON.stringify(status);
    const findings = verifyFindings(stackConfig(), snapshot);
    expect(finding(findings, "pod/network-status").detail).toBe("the default network default/flannel is on net2, want eth0");
    expect(finding(findings, "pod/attachment/net1").detail).toBe("network-status has no net1 (interfaces: eth0, net2)");
    expect(finding(findings, "pod/attachment/net2").detail).toBe("net2 (default/flannel) has 10.245.1.2, want an address inside 10.244.0.0/16");
  });

  it("accepts a default entry without an interface (Calico's CNI result may not name it)", () => {
    const snapshot = healthy();
    const annotations = snapshot.samplePod!.pod!.metadata!.annotations!;
    const status = JSON.parse(annotations["k8s.v1.cni.cncf.io/network-status"]);
    delete status[0].interface;
    annotations["k8s.v1.cni.cncf.io/network-status"] = JSON.stringify(status);
    expect(finding(verifyFindings(stackConfig(), snapshot), "pod/network-status"))
      .toMatchObject({ ok: true, detail: "default k8s-pod-network on eth0 (interface not reported) 192.168.1.2" });
  });

  it("expects the addresses the pod names itself on a static NAD without addresses", () => {
    const config = stackConfig({
      networks: [...stackConfig().networks, { name: "storage", type: "macvlan", master: "eth1", ipam: { type: "static" } }],
      samplePod: { networks: [{ name: "storage", ips: ["10.50.1.5/22"] }] },
    });
    const snapshot = healthy();
    snapshot.samplePod!.pod!.metadata!.annotations!["k8s.v1.cni.cncf.io/network-status"] = JSON.stringify([
      { name: "k8s-pod-network", interface: "eth0", ips: ["192.168.1.2"], default: true },
      { name: "default/storage", interface: "net1", ips: ["10.50.1.6"] },
    ]);
    const findings = verifyFindings(config, snapshot);
    expect(finding(findings, "pod/attachment/net1").detail).toBe("net1 (default/storage) has 10.50.1.6, want an address 10.50.1.5 (static)");
    expect(finding(findings, "pod/route/net1").detail).toMatch(/^no route covers 10\.50\.0\.0\/22|^10\.50\.0\.0\/22 goes/);
    expect(pingPlan({ ...config, verification: { ...config.verification, ping: { ...config.verification.ping, enabled: true } } }).skipped)
      .toEqual([{ check: "ping/net1", ok: true, skipped: true, detail: "default/storage: static IPAM: the peer would need an address of its own" }]);
  });

  it("fails when /proc/net/route could not be read", () => {
    const snapshot = healthy();
    snapshot.samplePod!.procNetRoute = { error: "`cat /proc/net/route` in default/multinet-sample: exec: \"cat\": executable file not found in $PATH" };
    expect(finding(verifyFindings(stackConfig(), snapshot), "pod/default-route").detail).toMatch(/^could not read the pod's \/proc\/net\/route: .*executable file not found/);
  });

  it("skips everything pod-related when the stack has no sample pod", () => {
    const findings = verifyFindings(stackConfig({ samplePod: { enabled: false } }), { ...healthy(), samplePod: undefined });
    expect(finding(findings, "pod")).toMatchObject({ ok: true, skipped: true });
    expect(findings.filter((f) => f.check.startsWith("pod/"))).toEqual([]);
  });
});

describe("the pod's routes, from real /proc/net/route", () => {
  const lab = parseProcNetRoute(procnet("pod-route.txt"));

  it("finds the default route and whole attachment networks", () => {
    expect(defaultRoute(lab)).toMatchObject({ iface: "eth0", gateway: "192.168.1.1" });
    expect(networkRoutedVia(lab, "10.244.0.0/16", "net2")).toMatchObject({ ok: true });
    expect(networkRoutedVia(lab, "10.244.0.0/16", "net1")).toMatchObject({ ok: false, detail: "10.244.0.0/16 goes 10.244.0.0/16 via 10.244.1.1 dev net2, not via net1" });
    expect(networkRoutedVia(lab, "10.99.0.0/16", "net1")).toMatchObject({ ok: false, detail: "10.99.0.0/16 goes default via 192.168.1.1 dev eth0, not via net1" });
  });

  it("fails when only the node's own slice of the Flannel network is routed via the attachment", () => {
    const withoutNetworkRoute = procnet("pod-route.txt").split("\n").filter((line) => !line.startsWith("net2\t0000F40A")).join("\n");
    const snapshot = { ...healthy(), samplePod: { pod: json("sample-pod.json"), procNetRoute: withoutNetworkRoute } };
    expect(finding(verifyFindings(stackConfig(), snapshot), "pod/route/net2").detail)
      .toBe("10.244.0.0/16 goes default via 192.168.1.1 dev eth0, not via net2");
  });

  it("fails when an attachment took the default route", () => {
    const netDefault = procnet("pod-route.txt").replace(/^eth0(\t00000000\t)0101A8C0/m, "net2$10101F40A");
    const snapshot = { ...healthy(), samplePod: { pod: json("sample-pod.json"), procNetRoute: netDefault } };
    expect(finding(verifyFindings(stackConfig(), snapshot), "pod/default-route").detail)
      .toBe("the default route is default via 10.244.1.1 dev net2, want dev eth0 (an attachment took the default route: isDefaultGateway?)");
  });

  it("judges metrics, more specific strays and reject routes (edge-route.txt)", () => {
    const edge = parseProcNetRoute(procnet("edge-route.txt"));
    expect(defaultRoute(edge)).toMatchObject({ gateway: "10.1.0.254", metric: 50 });
    expect(networkRoutedVia(edge, "10.2.0.0/16", "veth0")).toMatchObject({ ok: true, detail: "10.2.0.0/16 via veth0 (10.2.0.0/16 via 10.1.0.1 dev veth0 metric 5)" });
    expect(networkRoutedVia(edge, "10.9.0.0/16", "veth0")).toMatchObject({ ok: false, detail: "10.9.0.0/16 goes 10.9.0.0/16 (reject), not via veth0" });
    expect(networkRoutedVia(edge, "10.0.0.0/8", "veth0")).toMatchObject({ ok: false });
    expect(networkRoutedVia(edge, "10.0.0.0/8", "veth0").detail).toMatch(/^10\.0\.0\.0\/8 is routed via veth0 \(default via 10\.1\.0\.254 dev veth0 metric 50\) but 10\.7\.0\.0\/16 \(blackhole\), 10\.8\.0\.0\/16 \(reject\), 10\.9\.0\.0\/16 \(reject\) inside it is not$/);
  });

  it("skips the route check of a source-based-routing attachment, whose routes are in a policy table (pod-sbr-route.txt)", () => {
    const config = stackConfig({ samplePod: { networks: [{ name: "data-sbr" }] } });
    const snapshot = healthy();
    const pod = snapshot.samplePod!.pod!;
    pod.metadata!.annotations!["k8s.v1.cni.cncf.io/network-status"] = JSON.stringify([
      { name: "k8s-pod-network", interface: "eth0", ips: ["192.168.1.3"], default: true },
      { name: "default/data-sbr", interface: "net1", ips: ["172.30.1.50"] },
    ]);
    snapshot.samplePod!.procNetRoute = procnet("pod-sbr-route.txt");
    const findings = verifyFindings(config, snapshot);
    expect(failed(findings)).toEqual([]);
    expect(finding(findings, "pod/route/net1")).toMatchObject({ skipped: true, detail: expect.stringMatching(/source-based routing/) });
    expect(finding(findings, "pod/default-route").detail).toBe("default via 192.168.1.1 dev eth0");
  });
});

describe("the ping", () => {
  const pingConfig = () => stackConfig({ verification: { ping: { enabled: true } } });
  const busyboxOk = "PING 172.30.1.10 (172.30.1.10): 56 data bytes\n64 bytes from 172.30.1.10: seq=0 ttl=64 time=0.412 ms\n64 bytes from 172.30.1.10: seq=1 ttl=64 time=0.087 ms\n64 bytes from 172.30.1.10: seq=2 ttl=64 time=0.079 ms\n\n--- 172.30.1.10 ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = 0.079/0.192/0.412 ms\n";
  const busyboxLost = "PING 10.244.1.2 (10.244.1.2): 56 data bytes\n\n--- 10.244.1.2 ping statistics ---\n3 packets transmitted, 0 packets received, 100% packet loss\n";

  it("passes and fails per attachment from ping's own summary, naming the peer's address", () => {
    const snapshot: VerifySnapshot = {
      ...healthy(),
      ping: {
        peer: "default/multinet-sample-peer", peerNode: "multinet-worker2", samplePodNode: "multinet-worker",
        results: [{ ifname: "net2", target: "10.244.1.2", peerAddress: "10.244.2.7", result: { exitCode: 0, output: busyboxOk } }],
      },
    };
    const findings = verifyFindings(pingConfig(), snapshot);
    expect(finding(findings, "ping/net2")).toEqual({ check: "ping/net2", ok: true, detail: "default/multinet-sample-peer (10.244.2.7) on multinet-worker2 → 10.244.1.2 on multinet-worker via net2: 3/3 replies" });
    // The host-local macvlan attachment is never pinged.
    expect(finding(findings, "ping/net1")).toMatchObject({ ok: true, skipped: true, detail: expect.stringMatching(/^default\/data: host-local IPAM allocates per node/) });
    snapshot.ping = { ...snapshot.ping as object, results: [{ ifname: "net2", target: "10.244.1.2", peerAddress: "10.244.2.7", result: { exitCode: 1, output: busyboxLost } }] } as VerifySnapshot["ping"];
    expect(finding(verifyFindings(pingConfig(), snapshot), "ping/net2")).toMatchObject({ ok: false, detail: expect.stringMatching(/via net2: 0\/3 replies$/) });
  });

  it("fails a ping whose peer holds the target address or one outside the network, without trusting the replies", () => {
    const [flannel] = pingPlan(pingConfig()).attachments;
    const peer = (ips: string[]): IPod => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { annotations: { "k8s.v1.cni.cncf.io/network-status": JSON.stringify([
        { name: "k8s-pod-network", interface: "eth0", ips: ["192.168.2.9"], default: true },
        { name: "default/flannel", interface: "net2", ips },
      ]) } },
    });
    expect(peerAttachmentAddress(flannel, peer(["10.244.2.7"]), "10.244.1.2")).toEqual({ ip: "10.244.2.7" });
    expect(peerAttachmentAddress(flannel, peer(["10.244.1.2"]), "10.244.1.2"))
      .toEqual({ problem: "the peer has the sample pod's own address 10.244.1.2 on net2: a reply would not cross nodes" });
    expect(peerAttachmentAddress(flannel, peer(["10.9.0.3"]), "10.244.1.2"))
      .toEqual({ problem: "peer: net2 (default/flannel) has 10.9.0.3, want an address inside 10.244.0.0/16" });
    expect(peerAttachmentAddress(flannel, { apiVersion: "v1", kind: "Pod", metadata: {} }, "10.244.1.2")).toMatchObject({ problem: expect.stringMatching(/^peer: the pod has no k8s\.v1\.cni\.cncf\.io\/network-status/) });

    const snapshot: VerifySnapshot = {
      ...healthy(),
      ping: {
        peer: "default/multinet-sample-peer", peerNode: "multinet-worker2", samplePodNode: "multinet-worker",
        results: [{ ifname: "net2", target: "10.244.1.2", problem: "the peer has the sample pod's own address 10.244.1.2 on net2: a reply would not cross nodes" }],
        cleanup: "cannot delete the peer pod default/multinet-sample-peer: HTTP 500 (it stops itself after 210s)",
      },
    };
    expect(finding(verifyFindings(pingConfig(), snapshot), "ping/net2")).toEqual({
      check: "ping/net2", ok: false,
      detail: "default/multinet-sample-peer on multinet-worker2 → 10.244.1.2 on multinet-worker via net2: the peer has the sample pod's own address 10.244.1.2 on net2: a reply would not cross nodes; note: cannot delete the peer pod default/multinet-sample-peer: HTTP 500 (it stops itself after 210s)",
    });
  });

  it("puts the peer only on untainted, schedulable nodes with ready Multus and Flannel pods, else skips", () => {
    // The control plane is tainted (a plain pod tolerates nothing); the sample pod is on multinet-worker.
    expect(peerNodes(healthy(), "multinet-worker")).toEqual({ nodes: ["multinet-worker2"] });

    const noFlannel = healthy();
    noFlannel.flannel!.pods = noFlannel.flannel!.pods!.filter((p) => p.spec!.nodeName !== "multinet-worker2");
    expect(peerNodes(noFlannel, "multinet-worker")).toEqual({
      skipped: "no node other than multinet-worker can take the peer pod (multinet-control-plane: taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated, multinet-worker2: no ready Flannel pod)",
    });

    const cordoned = healthy();
    cordoned.nodes[2].spec = { ...cordoned.nodes[2].spec, unschedulable: true, taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] };
    expect(peerNodes(cordoned, "multinet-worker")).toMatchObject({ skipped: expect.stringMatching(/multinet-worker2: cordoned/) });

    const multusDown = healthy();
    multusDown.multus.pods!.find((p) => p.spec!.nodeName === "multinet-worker2")!.status!.conditions!.find((c) => c.type === "Ready")!.status = "False";
    expect(peerNodes(multusDown, "multinet-worker")).toMatchObject({ skipped: expect.stringMatching(/multinet-worker2: no ready Multus pod/) });

    expect(peerNodes({ ...healthy(), nodes: healthy().nodes.slice(1, 2) }, "multinet-worker")).toEqual({ skipped: "single-node cluster: no second node for a peer pod" });
    // The DaemonSet view of the same node differs: its controller tolerates a cordon.
    expect(eligibleNodes(cordoned.nodes, {}).map((n) => n.metadata!.name)).toContain("multinet-worker2");
  });

  it("reports a peer that never ran, a skipped ping and a ping not run", () => {
    expect(finding(verifyFindings(pingConfig(), { ...healthy(), ping: { error: "the peer pod default/multinet-sample-peer is Pending at the deadline" } }), "ping"))
      .toMatchObject({ ok: false });
    expect(finding(verifyFindings(pingConfig(), { ...healthy(), ping: { skipped: "single-node cluster: no second node for a peer pod" } }), "ping"))
      .toMatchObject({ ok: true, skipped: true });
    expect(finding(verifyFindings(pingConfig(), healthy()), "ping").detail).toBe("not run: the other checks failed first");
    expect(verifyFindings(stackConfig(), healthy()).some((f) => f.check.startsWith("ping"))).toBe(false);
  });

  it("judges iputils output and errors too", () => {
    expect(judgePing({ exitCode: 0, output: "3 packets transmitted, 3 received, 0% packet loss, time 2003ms" })).toEqual({ ok: true, detail: "3/3 replies" });
    expect(judgePing({ exitCode: 2, output: "ping: permission denied (are you root?)\n" })).toEqual({ ok: false, detail: "ping exited 2: ping: permission denied (are you root?)" });
    expect(pingCommand("net1", "10.244.1.2")).toEqual(["ping", "-c", "3", "-w", "10", "-I", "net1", "10.244.1.2"]);
  });

  it("builds a peer on the chosen nodes with the sample pod's flannel attachments under the same names", () => {
    const config = stackConfig({
      verification: { ping: { enabled: true } },
      networks: [
        ...stackConfig().networks,
        { name: "scratch", type: "bridge", bridge: "br-scratch", ipam: { type: "host-local", ranges: [{ subnet: "10.99.0.0/24" }] } },
        { name: "fixed", type: "macvlan", master: "eth1", ipam: { type: "static", addresses: [{ address: "172.31.2.20/24" }] } },
      ],
      samplePod: { networks: [{ name: "data" }, { name: "scratch", interface: "scratch0" }, { name: "flannel" }, { name: "fixed" }] },
    });
    const plan = pingPlan(config);
    expect(plan.attachments.map((a) => a.ifname)).toEqual(["net3"]);
    expect(plan.skipped).toEqual([
      { check: "ping/net1", ok: true, skipped: true, detail: "default/data: host-local IPAM allocates per node: a peer on another node can get the sample pod's own address, and the ping would never leave it" },
      { check: "ping/scratch0", ok: true, skipped: true, detail: "default/scratch: bridge networks are node-local" },
      { check: "ping/net4", ok: true, skipped: true, detail: "default/fixed: a second pod would get the same static address" },
    ]);
    const pod = peerPod(config, plan.attachments, ["multinet-worker2"], 400);
    expect(pod.metadata).toMatchObject({ name: "multinet-sample-peer", namespace: "default", annotations: { "k8s.v1.cni.cncf.io/networks": "flannel@net3" } });
    expect(isVerifierPeer(pod)).toBe(true);
    expect(isVerifierPeer({ apiVersion: "v1", kind: "Pod", metadata: { name: "multinet-sample-peer", labels: { app: "multinet-sample-peer" } } })).toBe(false);
    expect(pod.spec).toMatchObject({
      restartPolicy: "Never",
      activeDeadlineSeconds: 400,
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["multinet-worker2"] }] }] } } },
      containers: [{ image: "docker.io/library/busybox:1.37.0", command: ["sleep", "400"] }],
    });
  });
});

describe("pod events", () => {
  it("keep only the pod object's own warnings, ordered by when each was last seen", () => {
    const uid = "1f7e0c3b-2d6a-4b9e-8c5f-4a3b2c1d0e04";
    const events = [
      // A predecessor with the same name: newest of all, but not this pod's.
      { reason: "FailedMount", message: "old pod", involvedObject: { uid: "0000" }, lastTimestamp: "2026-11-27T21:50:00Z" },
      // Old-style event seen again later: its lastTimestamp counts, not its firstTimestamp.
      { reason: "BackOff", message: "repeated", involvedObject: { uid }, firstTimestamp: "2026-11-27T21:40:05Z", lastTimestamp: "2026-11-27T21:45:00Z", eventTime: null },
      // New-style event: eventTime only, between the two.
      { reason: "FailedCreatePodSandBox", message: "sandbox\n failed", involvedObject: { uid }, eventTime: "2026-11-27T21:41:00.123456Z", lastTimestamp: null },
      { reason: "FailedScheduling", message: "first", involvedObject: { uid }, firstTimestamp: "2026-11-27T21:40:02Z", lastTimestamp: "2026-11-27T21:40:02Z" },
    ];
    expect(podWarningMessages(events, uid)).toEqual(["FailedScheduling: first", "FailedCreatePodSandBox: sandbox failed", "BackOff: repeated"]);
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
