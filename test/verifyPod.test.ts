/**
 * The sample pod's checks (lib/verify/samplePod.ts) on the fixture pod and on real kernel output of
 * the data-plane lab's pods (test/fixtures/procnet/): it runs, Multus's network-status, its routes;
 * and the pod events that say why a pod does not run.
 */
import { describe, expect, it } from "vitest";
import { parseProcNetRoute } from "../lib/net/procnet";
import { missingCniPlugin, podWarningMessages } from "../lib/verify/events";
import { pingPlan } from "../lib/verify/ping";
import { defaultRoute, networkRoutedVia } from "../lib/verify/routes";
import { judgeSamplePod } from "../lib/verify/samplePod";
import { judgeSnapshot, verifyFindings } from "../lib/verify/verify";
import { failed, finding, healthy, json, procnet, stackConfig } from "./helpers/verifySnapshot";

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

  // The wording is libcni's (containernetworking/cni v1.3.0 pkg/invoke/find.go:47, vendored by
  // multus-cni v4.3.0) behind Multus's delegate prefix (pkg/multus/multus.go:853); the data-plane
  // suite checks the same wording from a real plugin that delegates to a missing one.
  it("names a CNI plugin missing on the pod's node, the node and the fix", () => {
    const snapshot = healthy();
    const pod = snapshot.samplePod!.pod!;
    pod.spec!.nodeName = "worker-2";
    pod.status = { phase: "Pending", containerStatuses: [{ name: "sample", ready: false, restartCount: 0, image: "", imageID: "", state: { waiting: { reason: "ContainerCreating" } } }] };
    const sandbox = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${"f".repeat(64)}": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request failed with status 400: '[default/multinet-sample/8c1e5f0a-4b6d-4e39-9a8f-2d7c3b1a0e55:storage]: error adding container to network "storage": failed to find plugin "macvlan" in path [/opt/cni/bin]'`;
    snapshot.samplePod!.warnings = podWarningMessages([
      { reason: "FailedCreatePodSandBox", message: sandbox, involvedObject: { uid: "u" }, lastTimestamp: "2026-11-27T21:41:00Z" },
      { reason: "FailedMount", message: "something else, earlier", involvedObject: { uid: "u" }, lastTimestamp: "2026-11-27T21:40:00Z" },
    ], "u");
    expect(sandbox.indexOf("failed to find plugin")).toBeGreaterThan(300);
    expect(snapshot.samplePod!.warnings.at(-1)).toBe('FailedCreatePodSandBox: error adding container to network "storage": failed to find plugin "macvlan" in path [/opt/cni/bin]');
    expect(finding(verifyFindings(stackConfig(), snapshot), "pod/running").detail).toBe(
      'pod default/multinet-sample is Pending (ContainerCreating); the CNI plugin "macvlan" (network storage) is missing from /opt/cni/bin on node worker-2; install it: set multinet:cniPlugins.enabled: true (it copies the reference plugins to every node), or install containernetworking/plugins into /opt/cni/bin on node worker-2',
    );
    // The flannel plugin's own delegation fails the same way, without Multus's network prefix.
    expect(missingCniPlugin('failed to find plugin "bridge" in path [/opt/cni/bin /usr/lib/cni]')).toEqual({ plugin: "bridge", paths: "/opt/cni/bin /usr/lib/cni" });
    expect(missingCniPlugin("failed to load flannel 'subnet.env' file")).toBeUndefined();
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

  it("gives the ping its targets from the same judgement: the address of each attachment that passed", () => {
    const healthyPod = judgeSamplePod(stackConfig(), healthy().samplePod);
    expect(healthyPod.addresses).toEqual(new Map([["net1", "172.30.1.10"], ["net2", "10.244.1.2"]]));
    expect(judgeSnapshot(stackConfig(), healthy())).toEqual({ findings: verifyFindings(stackConfig(), healthy()), samplePodAddresses: healthyPod.addresses });

    const snapshot = healthy();
    const annotations = snapshot.samplePod!.pod!.metadata!.annotations!;
    const status = JSON.parse(annotations["k8s.v1.cni.cncf.io/network-status"]);
    status[2].ips = ["10.245.1.2"];
    annotations["k8s.v1.cni.cncf.io/network-status"] = JSON.stringify(status);
    const judged = judgeSamplePod(stackConfig(), snapshot.samplePod);
    expect(failed(judged.findings)).toEqual(["pod/attachment/net2"]);
    expect(judged.addresses).toEqual(new Map([["net1", "172.30.1.10"]]));
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
