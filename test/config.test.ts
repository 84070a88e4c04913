import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { configKey, imageProblem, isInterfaceName, multinetValues, validateConfig } from "../lib/config";
import { pulumiConfigForStack, stackNames } from "../lib/files/stackFiles";
import { errorsOf, validStack } from "./helpers/configCases";
import { runProgram } from "./helpers/mockProgram";

function asPulumiConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`multinet:${k}`, JSON.stringify(v)]));
}

describe("config keys", () => {
  it("names nested keys and list entries the way a stack file is written", () => {
    expect(configKey(["flannel", "backend", "vni"])).toBe("multinet:flannel.backend.vni");
    expect(configKey(["networks", 1, "ipam", "ranges", 0, "subnet"])).toBe("multinet:networks[1].ipam.ranges[0].subnet");
  });

  it("reads structured values as JSON and leaves other namespaces alone", () => {
    expect(multinetValues({ "multinet:flannel": '{"network":"10.0.0.0/16"}', "kubernetes:context": "kind", "multinet:raw": "text" }))
      .toEqual({ flannel: { network: "10.0.0.0/16" }, raw: "text" });
  });
});

describe("defaults", () => {
  it("fill every section from an empty stack but demand a Calico method and a sample-pod network", () => {
    const errors = errorsOf({});
    expect(errors).toEqual([
      expect.stringMatching(/^multinet:calico\.ipv4Autodetection: \(not set\) is required when multinet:calico\.mode is "manifest"/),
      expect.stringMatching(/^multinet:samplePod\.networks: \[\] but multinet:samplePod\.enabled is true/),
    ]);
  });

  it("give a working stack its documented defaults", () => {
    const result = validateConfig(validStack());
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const { multus, flannel, networks } = result.config;
    expect(multus).toMatchObject({ mode: "thick", namespace: "kube-system", primaryCniConfig: "10-calico.conflist", cniVersion: "0.3.1" });
    expect(multus.resources).toEqual({ requests: { cpu: "100m", memory: "100Mi" }, limits: { memory: "300Mi" } });
    expect(flannel).toMatchObject({ namespace: "kube-flannel", network: "10.244.0.0/16", subnetLen: 24, ipMasq: true });
    expect(flannel.backend).toEqual({ type: "vxlan", vni: 1, port: 8472, directRouting: false, gbp: false });
    expect(networks[0]).toMatchObject({ namespace: "default", cniVersion: "0.3.1", sourceBasedRouting: false });
  });
});

describe("bad input", () => {
  const cases: Array<[string, (stack: Record<string, any>) => void, RegExp]> = [
    ["an unknown top-level key", (s) => { s.flanel = {}; }, /^multinet:flanel: unknown key; allowed keys: multus, flannel, calico, cniPlugins, networks, whereabouts, multiNetworkPolicy, policies, samplePod, verification$/],
    ["flanneld creating kube-system", (s) => { s.flannel.namespace = "kube-system"; s.flannel.createNamespace = true; }, /^multinet:flannel\.createNamespace: true but multinet:flannel\.namespace "kube-system" belongs to Kubernetes; allowed: false \(multinet never creates or deletes default, kube-system, kube-public, kube-node-lease\)$/],
    ["a NAD creating default", (s) => { s.networks[0].createNamespace = true; }, /^multinet:networks\[0\]\.createNamespace: true but namespace "default" belongs to Kubernetes; allowed: false/],
    ["a timeout out of range", (s) => { s.multus = { timeoutSeconds: 5 }; }, /^multinet:multus\.timeoutSeconds: 5 is too small; allowed: at least 30$/],
    ["a maxUnavailable that is neither a count nor a percentage", (s) => { s.flannel.maxUnavailable = "half"; }, /^multinet:flannel\.maxUnavailable: "half"/],
    ["an unknown nested key", (s) => { s.flannel.iface_regex = ["eth.*"]; }, /^multinet:flannel\.iface_regex: unknown key; allowed keys: .*ifaceRegex/],
    ["a VNI out of range", (s) => { s.flannel.backend = { type: "vxlan", vni: 16777216 }; }, /^multinet:flannel\.backend\.vni: 16777216 is too large; allowed: at most 16777215$/],
    ["a port out of range", (s) => { s.flannel.backend = { type: "vxlan", port: 70000 }; }, /^multinet:flannel\.backend\.port: 70000 is too large; allowed: at most 65535$/],
    ["an MTU out of range", (s) => { s.flannel.backend = { type: "vxlan", mtu: 100 }; }, /^multinet:flannel\.backend\.mtu: 100 is too small; allowed: at least 576$/],
    ["an unknown backend", (s) => { s.flannel.backend = { type: "ipip" }; }, /^multinet:flannel\.backend\.type: "ipip" is not allowed; allowed: "vxlan", "host-gw", "wireguard"$/],
    ["an interface name too long", (s) => { s.flannel.iface = ["enp0s31f6-data-x"]; }, /^multinet:flannel\.iface\[0\]: "enp0s31f6-data-x" must be a Linux interface name .* or an IP address$/],
    ["an invalid regex", (s) => { delete s.flannel.iface; s.flannel.ifaceRegex = ["eth[0-"]; }, /^multinet:flannel\.ifaceRegex\[0\]: "eth\[0-" is not a Go \(RE2\) regular expression: error parsing regexp: missing closing \]/],
    ["a regex RE2 cannot run", (s) => { s.calico.ipv4Autodetection = { interface: "eth(?!1)" }; }, /^multinet:calico\.ipv4Autodetection\.interface: "eth\(\?!1\)" is not a Go \(RE2\) regular expression: error parsing regexp: invalid or unsupported Perl syntax/],
    ["two NIC selectors", (s) => { s.flannel.ifaceCanReach = "10.0.0.1"; }, /^multinet:flannel\.ifaceCanReach: "10\.0\.0\.1" is set together with multinet:flannel\.iface/],
    ["an invalid CIDR", (s) => { s.flannel.network = "10.244.0.0/33"; }, /^multinet:flannel\.network: "10\.244\.0\.0\/33" must be a CIDR/],
    ["a CIDR with host bits", (s) => { s.flannel.network = "10.244.1.0/16"; }, /^multinet:flannel\.network: "10\.244\.1\.0\/16" must be a network address/],
    ["a subnet length not below the network", (s) => { s.flannel.subnetLen = 16; }, /^multinet:flannel\.subnetLen: 16 is not longer than the prefix of multinet:flannel\.network "10\.244\.0\.0\/16"; allowed: 17 to 30$/],
    ["Flannel overlapping the Calico pool", (s) => { s.calico.poolCidrs = ["10.0.0.0/8"]; },
      /^multinet:flannel\.network: "10\.244\.0\.0\/16" overlaps the Calico pool multinet:calico\.poolCidrs\[0\] "10\.0\.0\.0\/8"/],
    ["a NAD subnet overlapping Flannel", (s) => { s.networks.push({ name: "data", type: "macvlan", master: "eth1", ipam: { type: "host-local", ranges: [{ subnet: "10.244.8.0/24" }] } }); },
      /^multinet:networks\[1\]\.ipam\.ranges\[0\]\.subnet: "10\.244\.8\.0\/24" overlaps multinet:flannel\.network/],
    ["a gateway outside its subnet", (s) => { s.networks.push({ name: "data", type: "bridge", bridge: "br1", ipam: { type: "host-local", ranges: [{ subnet: "10.10.0.0/24", gateway: "10.11.0.1" }] } }); },
      /^multinet:networks\[1\]\.ipam\.ranges\[0\]\.gateway: "10\.11\.0\.1" is outside the subnet "10\.10\.0\.0\/24"/],
    ["duplicate NAD names in a namespace", (s) => { s.networks.push({ name: "flannel", type: "bridge", bridge: "br1", ipam: { type: "static", addresses: [{ address: "10.9.0.2/24" }] } }); },
      /^multinet:networks\[1\]\.name: "flannel" is already used by multinet:networks\[0\] in namespace "default"/],
    ["a second flannel network", (s) => { s.networks.push({ name: "flannel", namespace: "apps", type: "flannel" }); },
      /^multinet:networks\[1\]\.type: "flannel" is already the type of multinet:networks\[0\]; allowed: one flannel network/],
    ["a NAD name that is not a DNS label", (s) => { s.networks[0].name = "Flannel_Net"; }, /^multinet:networks\[0\]\.name: "Flannel_Net" must be a DNS-1123 label/],
    ["an unknown network type", (s) => { s.networks[0] = { name: "x", type: "macvtap" }; }, /^multinet:networks\[0\]\.type: "macvtap" is not allowed; allowed: "flannel", "macvlan", "bridge", "ipvlan", "host-device", "vlan", "raw"$/],
    ["the pod naming an undefined NAD", (s) => { s.samplePod.networks = [{ name: "storage" }]; },
      /^multinet:samplePod\.networks\[0\]\.name: "storage" \(namespace "default"\) is not defined in multinet:networks; allowed: default\/flannel$/],
    ["the pod naming a NAD in another namespace", (s) => { s.samplePod.networks = [{ name: "flannel", namespace: "kube-system" }]; },
      /^multinet:samplePod\.networks\[0\]\.name: "flannel" \(namespace "kube-system"\) is not defined/],
    ["an untagged image", (s) => { s.samplePod.image = "nginx"; }, /^multinet:samplePod\.image: "nginx" has no tag; pin a release tag or a digest$/],
    ["a latest image", (s) => { s.samplePod.image = "registry:5000/nginx:latest"; }, /^multinet:samplePod\.image: "registry:5000\/nginx:latest" is tagged 'latest'/],
    ["a latest version", (s) => { s.multus = { version: "latest" }; }, /^multinet:multus\.version: "latest" must be a release tag such as v1\.2\.3 of at most 120 characters \(not latest or snapshot\)$/],
    ["a snapshot version", (s) => { s.multus = { version: "v4.2.4-snapshot" }; }, /^multinet:multus\.version: "v4\.2\.4-snapshot" must be a release tag/],
    ["a repository with a tag", (s) => { s.flannel.imageRepository = "ghcr.io/flannel-io/flannel:v0.28.9"; }, /^multinet:flannel\.imageRepository: "ghcr\.io\/flannel-io\/flannel:v0\.28\.9" must be a lower-case image repository without tag/],
    ["an upper-case repository path", (s) => { s.flannel.imageRepository = "registry.example.com/Flannel"; }, /^multinet:flannel\.imageRepository: "registry\.example\.com\/Flannel" must be a lower-case image repository/],
    ["a CIDR Go would read differently", (s) => { s.flannel.network = "010.244.0.0/16"; }, /^multinet:flannel\.network: "010\.244\.0\.0\/16" must be a CIDR/],
    ["an IPv6 Flannel network", (s) => { s.flannel.network = "fd00:244::/48"; }, /^multinet:flannel\.network: "fd00:244::\/48" must be an IPv4 CIDR/],
    ["an interface name that breaks the networks annotation", (s) => { s.samplePod.networks[0].interface = "net@1"; }, /^multinet:samplePod\.networks\[0\]\.interface: "net@1" contains '\/', ':', ',', '@' or white space; allowed: a Linux interface name/],
    ["a request above its limit", (s) => { s.multus = { resources: { requests: { memory: "1Gi" } } }; }, /^multinet:multus\.resources\.requests\.memory: "1Gi" is more than limits\.memory "300Mi"; allowed: at most the limit$/],
    ["a range that ends before it starts", (s) => { s.networks.push({ name: "data", type: "bridge", bridge: "br1", ipam: { type: "host-local", ranges: [{ subnet: "10.10.0.0/24", rangeStart: "10.10.0.100", rangeEnd: "10.10.0.20" }] } }); },
      /^multinet:networks\[1\]\.ipam\.ranges\[0\]\.rangeEnd: "10\.10\.0\.20" comes before rangeStart "10\.10\.0\.100"/],
    ["a pod without addresses on a network that wants them", (s) => {
      s.networks.push({ name: "storage", type: "macvlan", master: "eth1", ipam: { type: "static" } });
      s.samplePod.networks.push({ name: "storage" });
    }, /^multinet:samplePod\.networks\[1\]\.ips: \(not set\) but multinet:networks\[1\]\.ipam is static without addresses/],
    ["pod addresses on a network that assigns its own", (s) => { s.samplePod.networks[0].ips = ["10.9.0.5/24"]; },
      /^multinet:samplePod\.networks\[0\]\.ips: \["10\.9\.0\.5\/24"\] but NAD default\/flannel assigns addresses itself/],
    ["a static address inside the Calico pool", (s) => { s.networks.push({ name: "data", type: "bridge", bridge: "br1", ipam: { type: "static", addresses: [{ address: "192.168.5.5/24" }] } }); },
      /^multinet:networks\[1\]\.ipam\.addresses\[0\]\.address: "192\.168\.5\.5\/24" overlaps the Calico pool multinet:calico\.poolCidrs\[0\]/],
    ["two autodetection methods", (s) => { s.calico.ipv4Autodetection = { interface: "eth0", firstFound: true }; },
      /^multinet:calico\.ipv4Autodetection: .* must set exactly one of .* \(found firstFound, interface\)$/],
    ["a wrong type", (s) => { s.flannel.subnetLen = "24"; }, /^multinet:flannel\.subnetLen: "24" is not valid; expected number$/],
    ["a malformed WireGuard key", (s) => { s.flannel.backend = { type: "wireguard", psk: "secret" }; }, /^multinet:flannel\.backend\.psk: "secret" must be a base64 WireGuard key/],
  ];

  it.each(cases)("rejects %s, naming the key, the value and what is allowed", (_name, breakIt, expected) => {
    const stack = validStack();
    breakIt(stack);
    expect(errorsOf(stack)).toEqual([expect.stringMatching(expected)]);
  });

  it("reports every error at once, across sections", () => {
    const stack = validStack();
    stack.flanel = {};
    stack.multus = { version: "latest" };
    stack.calico.poolCidrs = ["10.244.0.0/16"];
    stack.networks.push({ name: "flannel", type: "bridge", bridge: "br1", ipam: { type: "static", addresses: [{ address: "10.9.0.2/24" }] } });
    stack.samplePod.image = "nginx:latest";
    const errors = errorsOf(stack);
    expect(errors.map((e) => e.slice(0, e.indexOf(": ")))).toEqual([
      "multinet:flanel",
      "multinet:multus.version",
      "multinet:samplePod.image",
      "multinet:flannel.network",
      "multinet:networks[1].name",
    ]);
  });

  it("stops the program before any resource is registered, with a RunError listing all errors", async () => {
    const stack = validStack();
    stack.flannel.backend = { type: "vxlan", vni: -1 };
    stack.samplePod.networks = [{ name: "missing" }];
    const run = await runProgram(asPulumiConfig(stack));
    expect(run.error).toBeInstanceOf(pulumi.RunError);
    const message = (run.error as Error).message;
    expect(message).toContain("the stack config has 2 errors");
    expect(message).toContain("multinet:flannel.backend.vni: -1 is too small; allowed: at least 1");
    expect(message).toContain('multinet:samplePod.networks[0].name: "missing"');
    expect(run.resources).toEqual([]);
  });
});

describe("pod-chosen addresses", () => {
  it("accept a pod that names its address on a static network without addresses", () => {
    const stack = validStack();
    stack.networks.push({ name: "storage", type: "macvlan", master: "eth1", ipam: { type: "static" } });
    stack.samplePod.networks.push({ name: "storage", ips: ["10.50.1.5/22"] });
    const result = validateConfig(stack);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe("value rules", () => {
  it("accept real interface names and refuse what the kernel refuses", () => {
    for (const good of ["eth0", "ens3f1", "bond0.100", "br-data", "a".repeat(15)]) expect(isInterfaceName(good)).toBe(true);
    for (const bad of ["", "a".repeat(16), "eth 0", "eth0:1", "a/b", ".", ".."]) expect(isInterfaceName(bad)).toBe(false);
  });

  it("accept pinned images and digests only", () => {
    expect(imageProblem("docker.io/library/nginx:1.29.3")).toBeUndefined();
    expect(imageProblem("ghcr.io/k8snetworkplumbingwg/multus-cni:v4.2.4-thick")).toBeUndefined();
    expect(imageProblem(`nginx@sha256:${"a".repeat(64)}`)).toBeUndefined();
    expect(imageProblem("localhost:5000/nginx")).toMatch(/no tag/);
    expect(imageProblem("nginx:latest")).toMatch(/latest/);
    expect(imageProblem("nginx:")).toMatch(/empty tag/);
    expect(imageProblem("multus:snapshot-thick")).toMatch(/'snapshot-thick', a floating tag/);
    expect(imageProblem("multus:latest-thick")).toMatch(/floating tag/);
    expect(imageProblem("nginx:stable-alpine")).toMatch(/floating tag/);
    expect(imageProblem("nginx@sha256:bad")).toMatch(/invalid digest/);
  });
});

describe("the real stack files", () => {
  it.each(stackNames())("%s is valid", (stack) => {
    const result = validateConfig(multinetValues(pulumiConfigForStack(stack)));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
