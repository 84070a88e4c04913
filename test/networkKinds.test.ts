/**
 * ipvlan, host-device, vlan, raw, chained plugins, IPv6 and dual-stack: what the schema accepts and
 * refuses (with the upstream rule each refusal encodes) and the CNI config each becomes.
 */
import { describe, expect, it } from "vitest";
import { parseCniConfig, serializeCniConfig } from "../lib/build/cni";
import { cniConfigFor, nadConfigText } from "../lib/build/networks";
import { networkSchema, validateConfig, type TypedNetworkConfig } from "../lib/config";
import { burstProblem } from "../lib/config/chained";
import { rawConfigProblems } from "../lib/config/rawCni";
import { sysctlKeyProblem } from "../lib/config/pluginValues";
import { errorsOf, validStack } from "./helpers/configCases";

const hostLocal = (...subnets: string[]) => ({ type: "host-local", ranges: subnets.map((subnet) => ({ subnet })) });
const typed = (values: Record<string, unknown>) => networkSchema.parse(values) as TypedNetworkConfig;

describe("new network kinds: validation", () => {
  const add = (network: Record<string, unknown>) => (s: Record<string, any>) => { s.networks.push({ name: "extra", ...network }); };
  const cases: Array<[string, (stack: Record<string, any>) => void, RegExp]> = [
    ["an unknown ipvlan mode", add({ type: "ipvlan", master: "eth1", mode: "l4", ipam: hostLocal("10.1.0.0/24") }),
      /^multinet:networks\[1\]\.mode: "l4" is not allowed; allowed: "l2", "l3", "l3s"$/],
    ["an ipvlan without IPAM (v1.1.1 ipvlan.go:228 runs it unchained)", add({ type: "ipvlan", master: "eth1" }), /^multinet:networks\[1\]\.ipam: \(not set\) is not valid/],
    ["a VLAN ID above 4094 (vlan.go:58)", add({ type: "vlan", master: "eth1", vlanId: 4095, ipam: hostLocal("10.1.0.0/24") }),
      /^multinet:networks\[1\]\.vlanId: 4095 is too large; allowed: at most 4094$/],
    ["a vlan without master (vlan.go:55)", add({ type: "vlan", vlanId: 10, ipam: hostLocal("10.1.0.0/24") }), /^multinet:networks\[1\]\.master: \(not set\) is not valid/],
    ["host-device with two selectors (getLink takes the first, host-device.go:324)", add({ type: "host-device", device: "eth2", pciBusID: "0000:3b:00.1" }),
      /^multinet:networks\[1\]: sets device, pciBusID; allowed: exactly one/],
    ["host-device with no selector (host-device.go:81)", add({ type: "host-device" }), /^multinet:networks\[1\]: sets none of device, hwaddr, kernelpath, pciBusID; allowed: exactly one/],
    ["a kernelpath outside /sys/devices (host-device.go:344)", add({ type: "host-device", kernelpath: "/sys/class/net/eth2" }),
      /^multinet:networks\[1\]\.kernelpath: "\/sys\/class\/net\/eth2" must be an absolute path below \/sys\/devices\//],
    ["a malformed MAC", add({ type: "host-device", hwaddr: "02:00:00:00:00" }), /^multinet:networks\[1\]\.hwaddr: "02:00:00:00:00" must be a MAC address/],
    ["a sysctl outside net. (tuning.go:331)", add({ type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24"), tuning: { sysctl: { "kernel.panic": "1" } } }),
      /^multinet:networks\[1\]\.tuning\.sysctl: \{"kernel\.panic":"1"\} has key "kernel\.panic", which must start with net\./],
    ["a sysctl value that is not a string (map[string]string)", add({ type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24"), tuning: { sysctl: { "net.ipv4.conf.IFNAME.arp_notify": 1 } } }),
      /^multinet:networks\[1\]\.tuning\.sysctl\.net\.ipv4\.conf\.IFNAME\.arp_notify: 1 is not valid; expected string$/],
    ["a rate without burst (bandwidth main.go:109)", add({ type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24"), bandwidth: { egressRate: 1000000 } }),
      /^multinet:networks\[1\]\.bandwidth\.egressBurst: \(not set\) is required with egressRate/],
    ["bandwidth that limits nothing", add({ type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24"), bandwidth: {} }), /^multinet:networks\[1\]\.bandwidth: \{\} limits nothing/],
    ["bandwidth on macvlan (no host veth: bandwidth main.go:134)", add({ type: "macvlan", master: "eth1", ipam: hostLocal("10.1.0.0/24"), bandwidth: { ingressRate: 8000, ingressBurst: 8000 } }),
      /^multinet:networks\[1\]\.bandwidth: set on a macvlan network, whose pod interface has no host-side veth/],
    ["portmap with both mark options (portmap main.go:201)", add({ type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24"), portmap: { markMasqBit: 13, externalSetMarkChain: "KUBE-MARK-MASQ" } }),
      /^multinet:networks\[1\]\.portmap: .* sets both markMasqBit and externalSetMarkChain/],
    ["a mark bit above 31 (portmap main.go:210)", add({ type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24"), portmap: { markMasqBit: 32 } }),
      /^multinet:networks\[1\]\.portmap\.markMasqBit: 32 is too large; allowed: at most 31$/],
    ["two IPv4 ranges", add({ type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24", "10.2.0.0/24") }),
      /^multinet:networks\[1\]\.ipam\.ranges\[1\]\.subnet: "10\.2\.0\.0\/24" is a second IPv4 range after multinet:networks\[1\]\.ipam\.ranges\[0\]; allowed: one range per address family/],
    ["an IPv6 subnet too small to allocate from (range.go:34)", add({ type: "bridge", bridge: "br1", ipam: hostLocal("fd00::/127") }),
      /^multinet:networks\[1\]\.ipam\.ranges\[0\]\.subnet: "fd00::\/127" has no room for pod addresses/],
    ["an IPv4 gateway in an IPv6 range", add({ type: "bridge", bridge: "br1", ipam: { type: "host-local", ranges: [{ subnet: "fd00:1::/64", gateway: "10.1.0.1" }] } }),
      /^multinet:networks\[1\]\.ipam\.ranges\[0\]\.gateway: "10\.1\.0\.1" is outside the subnet "fd00:1::\/64"; allowed: an address inside it, of its family$/],
    ["a route gateway of the other family", add({ type: "bridge", bridge: "br1", ipam: { ...hostLocal("10.1.0.0/24", "fd00:1::/64"), routes: [{ dst: "fd00:9::/64", gw: "10.1.0.254" }] } }),
      /^multinet:networks\[1\]\.ipam\.routes\[0\]\.gw: "10\.1\.0\.254" is outside the subnet "fd00:1::\/64"; allowed: an address inside it, of its family$/],
    ["an IPv6 route on an IPv4-only network", add({ type: "macvlan", master: "eth1", ipam: { ...hostLocal("10.1.0.0/24"), routes: [{ dst: "fd00:9::/64" }] } }),
      /^multinet:networks\[1\]\.ipam\.routes\[0\]\.dst: "fd00:9::\/64" is IPv6 but the network has no address of that family/],
    ["a static gateway of the other family", add({ type: "macvlan", master: "eth1", ipam: { type: "static", addresses: [{ address: "fd00:1::5/64", gateway: "10.1.0.1" }] } }),
      /^multinet:networks\[1\]\.ipam\.addresses\[0\]\.gateway: "10\.1\.0\.1" is outside the subnet "fd00:1::5\/64"; allowed: an address inside it, of its family$/],
    ["a raw config with an unsupported cniVersion", add({ type: "raw", config: { cniVersion: "0.2.0", type: "macvlan" } }),
      /^multinet:networks\[1\]\.config\.cniVersion: "0\.2\.0" must be one of 0\.3\.0, 0\.3\.1, 0\.4\.0, 1\.0\.0$/],
    ["a raw conflist plugin without type", add({ type: "raw", config: { cniVersion: "1.0.0", name: "x", plugins: [{ type: "bridge" }, { capabilities: { portMappings: true } }] } }),
      /^multinet:networks\[1\]\.config\.plugins\[1\]\.type: \(not set\) must name the plugin binary/],
    ["a raw conflist without plugins", add({ type: "raw", config: { cniVersion: "1.0.0", name: "x", plugins: [] } }), /^multinet:networks\[1\]\.config\.plugins: \[\] must be a non-empty list/],
    ["a raw conflist without name", add({ type: "raw", config: { cniVersion: "1.0.0", plugins: [{ type: "bridge" }] } }), /^multinet:networks\[1\]\.config\.name: \(not set\) must be a CNI network name.*a conflist needs one/],
    ["a raw plugin type that is a path", add({ type: "raw", config: { cniVersion: "1.0.0", type: "../../bin/sh" } }), /^multinet:networks\[1\]\.config\.type: "\.\.\/\.\.\/bin\/sh" must name the plugin binary/],
    ["a raw config name CNI refuses", add({ type: "raw", config: { cniVersion: "1.0.0", name: "-x", type: "bridge" } }), /^multinet:networks\[1\]\.config\.name: "-x" must be a CNI network name/],
    ["a raw config above 64 KiB", add({ type: "raw", config: { cniVersion: "1.0.0", type: "bridge", pad: "x".repeat(70000) } }), /^multinet:networks\[1\]\.config: .* is \d+ bytes as JSON; allowed: at most 65536$/],
    ["a raw network with a typed option", add({ type: "raw", config: { cniVersion: "1.0.0", type: "bridge" }, sourceBasedRouting: true }),
      /^multinet:networks\[1\]\.sourceBasedRouting: unknown key; allowed keys: name, namespace, createNamespace, type, config$/],
    ["a default network Multus cannot find", (s) => { s.multus = { defaultNetworks: ["flannel"] }; },
      /^multinet:multus\.defaultNetworks\[0\]: "flannel" is not a network of multinet:networks in the Multus namespace "kube-system"/],
  ];

  it.each(cases)("rejects %s, naming the key, the value and what is allowed", (_name, breakIt, expected) => {
    const stack = validStack();
    breakIt(stack);
    expect(errorsOf(stack)).toEqual([expect.stringMatching(expected)]);
  });

  it("accepts each kind, dual-stack ranges, IPv6 static addresses and routes by family", () => {
    const stack = validStack();
    stack.multus = { namespace: "kube-system", defaultNetworks: ["tap"] };
    stack.networks.push(
      { name: "ipv", type: "ipvlan", master: "eth1", mode: "l3", ipam: { ...hostLocal("10.1.0.0/24", "fd00:1::/64"), routes: [{ dst: "10.9.0.0/16" }, { dst: "fd00:9::/64", gw: "fd00:1::fe" }] } },
      { name: "nic", type: "host-device", pciBusID: "0000:3b:00.1", ipam: { type: "static", addresses: [{ address: "10.2.0.5/24" }, { address: "fd00:2::5/64", gateway: "fd00:2::1" }] } },
      { name: "nic2", type: "host-device", device: "eth2" },
      { name: "tagged", type: "vlan", master: "eth1", vlanId: 0, ipam: hostLocal("fd00:3::/64") },
      { name: "tap", namespace: "kube-system", type: "raw", config: { cniVersion: "1.0.0", name: "tap", plugins: [{ type: "tap", ipam: { type: "dhcp" } }] } },
    );
    const result = validateConfig(stack);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it("allows only per-namespace or per-interface net. sysctls", () => {
    for (const key of ["net.ipv4.conf.IFNAME.arp_notify", "net.ipv6.conf.net1.accept_ra", "net.ipv4.ip_local_port_range", "net.core.somaxconn", "net.ipv6.neigh.IFNAME.base_reachable_time_ms"]) {
      expect(sysctlKeyProblem(key), key).toBeUndefined();
    }
    for (const key of ["kernel.shmmax", "net.core.rmem_max", "net..ipv4", "net.ipv4.conf.eth0", "net.ipv4.conf.a/b.rp_filter", "net"]) {
      expect(sysctlKeyProblem(key), key).toBeDefined();
    }
  });

  it("keeps bursts the bandwidth plugin can hold (burst/8 < 2^32-1, tbf buffer in µs < 2^32)", () => {
    expect(burstProblem(1_000_000, 80_000)).toBeUndefined();
    expect(burstProblem(1e12, 8 * (2 ** 32 - 1))).toMatch(/below 34359738360 bits/);
    expect(burstProblem(8_000, 8 * 5_000_000)).toMatch(/too large for the rate/);
    expect(burstProblem(4, 100), "a rate below 8 bits/s is the rate's own error").toBeUndefined();
  });
});

describe("new network kinds: CNI configs", () => {
  it("chains tuning, bandwidth, portmap and sbr after the main plugin, in that order", () => {
    const config = cniConfigFor(typed({
      name: "web", type: "bridge", bridge: "br1", cniVersion: "1.0.0", sourceBasedRouting: true, portmap: true,
      bandwidth: { egressRate: 1_000_000, egressBurst: 80_000 }, tuning: { sysctl: { "net.ipv4.conf.IFNAME.arp_notify": "1" }, promisc: true },
      ipam: hostLocal("10.1.0.0/24"),
    }));
    expect(config).toMatchObject({ cniVersion: "1.0.0", name: "web" });
    expect("plugins" in config && config.plugins.map((p) => p.type)).toEqual(["bridge", "tuning", "bandwidth", "portmap", "sbr"]);
    expect("plugins" in config && config.plugins.slice(1, 4)).toEqual([
      { type: "tuning", sysctl: { "net.ipv4.conf.IFNAME.arp_notify": "1" }, promisc: true },
      { type: "bandwidth", egressRate: 1_000_000, egressBurst: 80_000 },
      { type: "portmap", capabilities: { portMappings: true } },
    ]);
  });

  it("writes ipvlan, host-device and vlan with their plugins' field names, dual-stack as two range sets", () => {
    expect(cniConfigFor(typed({ name: "a", type: "ipvlan", master: "eth1", ipam: hostLocal("10.1.0.0/24", "fd00:1::/64") }))).toEqual({
      cniVersion: "0.3.1", type: "ipvlan", master: "eth1", mode: "l2",
      ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00:1::/64" }]] },
    });
    expect(cniConfigFor(typed({ name: "b", type: "host-device", hwaddr: "02:00:00:00:00:01" }))).toEqual({ cniVersion: "0.3.1", type: "host-device", hwaddr: "02:00:00:00:00:01" });
    expect(cniConfigFor(typed({ name: "c", type: "vlan", master: "eth1", vlanId: 100, mtu: 1400, ipam: { type: "static", addresses: [{ address: "fd00::5/64" }] } }))).toEqual({
      cniVersion: "0.3.1", type: "vlan", master: "eth1", vlanId: 100, mtu: 1400, ipam: { type: "static", addresses: [{ address: "fd00::5/64" }] },
    });
  });

  it("parses every typed config back to the same value (the model knows every field it writes)", () => {
    const configs = [
      typed({ name: "a", type: "ipvlan", master: "eth1", mode: "l3s", mtu: 1400, ipam: hostLocal("10.1.0.0/24"), tuning: { mac: "02:00:00:00:00:02", mtu: 1300, allmulti: false } }),
      typed({ name: "b", type: "host-device", kernelpath: "/sys/devices/pci0000:00/0000:00:19.0", portmap: { snat: false, markMasqBit: 12, conditionsV4: ["-s", "10.0.0.0/8"] } }),
      typed({ name: "c", type: "vlan", master: "eth1", vlanId: 7, ipam: hostLocal("fd00:3::/64"), sourceBasedRouting: true }),
      typed({ name: "d", type: "flannel", bandwidth: { ingressRate: 8000, ingressBurst: 16000 } }),
    ].map(cniConfigFor);
    for (const config of configs) {
      const text = serializeCniConfig(config);
      expect(serializeCniConfig(parseCniConfig(text))).toBe(text);
    }
  });

  it("refuses a raw config that is not JSON (a component's arguments can hold what a stack file cannot)", () => {
    expect(rawConfigProblems({ cniVersion: "1.0.0", type: "bridge", mtu: Number.POSITIVE_INFINITY, ipam: { type: "static", f: () => 1 } }))
      .toEqual([{ path: [], message: "is not JSON at config.mtu" }]);
  });

  it("chains portmap for `true` and options, not for `false`", () => {
    const bridge = { name: "p", type: "bridge", bridge: "br1", ipam: hostLocal("10.1.0.0/24") };
    expect(cniConfigFor(typed({ ...bridge, portmap: false }))).toMatchObject({ type: "bridge" });
    expect(cniConfigFor(typed({ ...bridge, portmap: { snat: false } }))).toMatchObject({ plugins: [{ type: "bridge" }, { capabilities: { portMappings: true }, type: "portmap", snat: false }] });
  });

  it("writes a raw config unchanged", () => {
    const config = { cniVersion: "1.0.0", name: "tap", plugins: [{ type: "tap", multiQueue: true, ipam: { type: "dhcp" } }, { type: "tuning", sysctl: {} }] };
    expect(JSON.parse(nadConfigText(networkSchema.parse({ name: "tap", type: "raw", config })))).toEqual(config);
  });
});
