import { describe, expect, it } from "vitest";
import { parseCniConfig, serializeCniConfig } from "../lib/build/cni";
import { networkSchema, type TypedNetworkConfig } from "../lib/config";
import { cniConfigFor, networkAttachmentDefinition } from "../lib/build/networks";

const network = (values: Record<string, unknown>) => networkSchema.parse(values) as TypedNetworkConfig;

describe("NetworkAttachmentDefinitions", () => {
  it("writes the manual setup's flannel NAD byte for byte", () => {
    const nad = networkAttachmentDefinition(network({
      name: "flannel", type: "flannel", cniVersion: "0.3.0", delegate: { hairpinMode: true, isDefaultGateway: false },
    }));
    expect(nad).toMatchObject({ apiVersion: "k8s.cni.cncf.io/v1", kind: "NetworkAttachmentDefinition", metadata: { name: "flannel", namespace: "default" } });
    expect(nad.spec.config).toBe('{"cniVersion":"0.3.0","type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":false}}');
  });

  it("builds macvlan with host-local IPAM, one range set per range", () => {
    expect(cniConfigFor(network({
      name: "storage", type: "macvlan", master: "eth1", mtu: 9000,
      ipam: { type: "host-local", ranges: [{ subnet: "10.50.0.0/24", rangeStart: "10.50.0.10", gateway: "10.50.0.1" }, { subnet: "fd50::/64" }],
        routes: [{ dst: "10.60.0.0/16", gw: "10.50.0.1" }] },
    }))).toEqual({
      cniVersion: "0.3.1", type: "macvlan", master: "eth1", mode: "bridge", mtu: 9000,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.50.0.0/24", rangeStart: "10.50.0.10", gateway: "10.50.0.1" }], [{ subnet: "fd50::/64" }]],
        routes: [{ dst: "10.60.0.0/16", gw: "10.50.0.1" }],
      },
    });
  });

  it("builds bridge with static IPAM", () => {
    expect(cniConfigFor(network({
      name: "lab", type: "bridge", bridge: "br-lab", isGateway: true, hairpinMode: true,
      ipam: { type: "static", addresses: [{ address: "10.70.0.5/24", gateway: "10.70.0.1" }] },
    }))).toEqual({
      cniVersion: "0.3.1", type: "bridge", bridge: "br-lab", isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: "static", addresses: [{ address: "10.70.0.5/24", gateway: "10.70.0.1" }] },
    });
  });

  it("lets pods choose their addresses on a static network without addresses (ips capability)", () => {
    expect(cniConfigFor(network({
      name: "storage", type: "macvlan", master: "ens4f0", ipam: { type: "static", routes: [{ dst: "10.60.0.0/16", gw: "10.50.0.1" }] },
    }))).toEqual({
      cniVersion: "0.3.1", capabilities: { ips: true }, type: "macvlan", master: "ens4f0", mode: "bridge",
      ipam: { type: "static", routes: [{ dst: "10.60.0.0/16", gw: "10.50.0.1" }] },
    });
  });

  it("chains sbr into a named conflist for source-based routing", () => {
    expect(cniConfigFor(network({ name: "flannel", type: "flannel", sourceBasedRouting: true }))).toEqual({
      cniVersion: "0.3.1", name: "flannel", plugins: [{ type: "flannel" }, { type: "sbr" }],
    });
  });

  it("parses every config it writes back to the same value", () => {
    const configs = [
      network({ name: "a", type: "flannel", delegate: { hairpinMode: true } }),
      network({ name: "b", type: "macvlan", master: "eth1", mode: "vepa", sourceBasedRouting: true, ipam: { type: "static", addresses: [{ address: "10.1.0.2/24" }], routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }] } }),
      network({ name: "c", type: "bridge", bridge: "br0", ipam: { type: "host-local", ranges: [{ subnet: "10.2.0.0/24" }] } }),
    ].map(cniConfigFor);
    for (const config of configs) {
      const text = serializeCniConfig(config);
      expect(serializeCniConfig(parseCniConfig(text))).toBe(text);
    }
  });

  it("refuses configs with fields the model does not know", () => {
    expect(() => parseCniConfig('{"cniVersion":"0.3.1","type":"macvlan","master":"eth1","ipam":{"type":"host-local","ranges":[]},"typo":1}')).toThrow();
    expect(() => parseCniConfig('{"cniVersion":"0.3.1","type":"ipvlan"}')).toThrow();
  });
});
