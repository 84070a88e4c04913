import { describe, expect, it } from "vitest";
import { flannelSchema, validateConfig } from "../lib/config";
import { flanneldArgs, flannelNetConf, flannelObjects } from "../lib/build/flannel";

const flannel = (values: Record<string, unknown> = {}) => flannelSchema.parse(values);

describe("Flannel as an attachment network", () => {
  const objects = flannelObjects(flannel({ iface: ["eth1"] }));
  const spec = objects.daemonSet.spec.template.spec!;

  it("never installs a CNI config into /etc/cni/net.d", () => {
    expect(spec.initContainers!.map((c) => c.name)).toEqual(["install-cni-plugin"]);
    const hostPaths = spec.volumes!.flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
    expect(hostPaths).not.toContain("/etc/cni/net.d");
    expect(JSON.stringify(objects)).not.toContain("10-flannel.conflist");
    expect(Object.keys((objects.netConf as { data: Record<string, string> }).data)).toEqual(["net-conf.json"]);
  });

  it("installs the flannel CNI binary from the pinned plugin image", () => {
    const [install] = spec.initContainers!;
    expect(install.image).toMatch(/^ghcr\.io\/flannel-io\/flannel-cni-plugin:v\d+\.\d+\.\d+-flannel\d+$/);
    expect([install.command, install.args]).toEqual([["cp"], ["-f", "/flannel", "/opt/cni/bin/flannel"]]);
  });

  // Every flanneld runs with the health server and leaves NetworkUnavailable alone.
  const always = ["--healthz-port=8081", "--set-node-network-unavailable=false"];

  it("runs flanneld with the kube subnet manager on the chosen NIC", () => {
    expect(spec.containers[0].args).toEqual(["--ip-masq", "--kube-subnet-mgr", ...always, "--iface=eth1"]);
    expect(flanneldArgs(flannel({ ifaceRegex: ["^ens4", "^eth1$"], ipMasq: false }))).toEqual(["--kube-subnet-mgr", ...always, "--iface-regex=^ens4", "--iface-regex=^eth1$"]);
    expect(flanneldArgs(flannel({ ifaceCanReach: "10.1.0.1" }))).toEqual(["--ip-masq", "--kube-subnet-mgr", ...always, "--iface-can-reach=10.1.0.1"]);
    expect(flanneldArgs(flannel())).toEqual(["--ip-masq", "--kube-subnet-mgr", ...always]);
  });

  // flannel-io/flannel v0.28.9: main.go:136 (--healthz-port, 0 disables the server), 552-578
  // (/healthz always 200; /readyz 200 only once isReady is set, main.go:477-485, after subnet.env is
  // written), Documentation/kube-flannel.yml:166-182 (port 8081 and the probes' timings).
  it("probes flanneld as upstream does: liveness on /healthz, readiness on /readyz, on a configurable host port", () => {
    const daemon = spec.containers[0];
    expect(daemon.ports).toEqual([{ name: "healthz", containerPort: 8081, protocol: "TCP" }]);
    expect(daemon.livenessProbe).toEqual({ httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 10, periodSeconds: 30 });
    expect(daemon.readinessProbe).toEqual({ httpGet: { path: "/readyz", port: "healthz" }, initialDelaySeconds: 5, periodSeconds: 10 });
    const moved = flannelObjects(flannel({ healthzPort: 18081 })).daemonSet.spec.template.spec!.containers[0];
    expect(moved.args).toContain("--healthz-port=18081");
    expect(moved.ports).toEqual([{ name: "healthz", containerPort: 18081, protocol: "TCP" }]);
    expect(moved.readinessProbe?.httpGet?.port).toBe("healthz");
    expect(flannelSchema.safeParse({ healthzPort: 0 }).success).toBe(false);
    // On the host network: not a port the kubelet, kube-proxy (kubernetes pkg/cluster/ports/ports.go)
    // or calico-node's Felix (calico felix/config/config_params.go:409, HealthPort 9099) listens on.
    const taken = validateConfig({ flannel: { healthzPort: 10250 } });
    expect(taken.ok ? [] : taken.errors).toContainEqual(expect.stringMatching(/^multinet:flannel\.healthzPort: 10250 is the kubelet port on every node; allowed: a port no other agent on the host network uses, not 10248, /));
    expect(flannelSchema.safeParse({ healthzPort: 9099 }).success).toBe(false);
  });

  it("runs with NET_ADMIN and NET_RAW, not privileged, in a privileged Pod Security namespace", () => {
    expect(spec.containers[0].securityContext).toEqual({ privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } });
    expect(spec.hostNetwork).toBe(true);
    expect(objects.namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    // Upstream's rules (flannel v0.28.9 Documentation/kube-flannel.yml:17-36). nodes/status patch is
    // needed even with --set-node-network-unavailable=false: the lease annotations are patched
    // through the status subresource (pkg/subnet/kube/kube.go:482), not only the condition (:673).
    expect(objects.clusterRole.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
    ]);
  });

  it("writes net-conf.json for each backend", () => {
    expect(flannelNetConf(flannel({ backend: { type: "vxlan", vni: 7, directRouting: true, mtu: 1400 } }))).toEqual({
      Network: "10.244.0.0/16", SubnetLen: 24, EnableNFTables: false,
      Backend: { Type: "vxlan", VNI: 7, Port: 8472, DirectRouting: true, GBP: false, MTU: 1400 },
    });
    expect(flannelNetConf(flannel({ backend: { type: "host-gw" }, network: "10.50.0.0/16", subnetLen: 26 }))).toEqual({
      Network: "10.50.0.0/16", SubnetLen: 26, EnableNFTables: false, Backend: { Type: "host-gw" },
    });
    expect(flannelNetConf(flannel({ backend: { type: "wireguard" } })).Backend).toEqual({ Type: "wireguard", ListenPort: 51820 });
  });

  it("keeps a WireGuard pre-shared key out of ConfigMaps", () => {
    const psk = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=";
    const secretObjects = flannelObjects(flannel({ backend: { type: "wireguard", psk } }));
    expect(secretObjects.netConf.kind).toBe("Secret");
    const netConf = JSON.parse((secretObjects.netConf as { stringData: Record<string, string> }).stringData["net-conf.json"]);
    expect(netConf.Backend.PSK).toBe(psk);
    const volume = secretObjects.daemonSet.spec.template.spec!.volumes!.find((v) => v.name === "flannel-cfg");
    expect(volume).toEqual({ name: "flannel-cfg", secret: { secretName: "kube-flannel-cfg" } });
  });
});
