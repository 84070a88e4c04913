/**
 * The ping's pure parts (lib/verify/ping.ts): which attachments a peer can prove, where the peer may
 * run, the peer pod, and the judgement of what came back. The peer's I/O is test/verifyKube.test.ts.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { isVerifierPeer, judgePing, peerAttachmentAddress, peerNodes, peerPod, pingCommand, pingPlan } from "../lib/verify/ping";
import { eligibleNodes } from "../lib/verify/scheduling";
import type { VerifySnapshot } from "../lib/verify/snapshot";
import { verifyFindings } from "../lib/verify/verify";
import { finding, healthy, stackConfig } from "./helpers/verifySnapshot";

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
