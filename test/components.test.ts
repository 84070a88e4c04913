import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { CniPlugins } from "../components/cniPlugins";
import { FlannelAttachment } from "../components/flannelAttachment";
import { MultiNetworkPolicy } from "../components/multiNetworkPolicy";
import { Multus } from "../components/multus";
import { NetworkAttachment } from "../components/networkAttachment";
import { NetworkNamespace } from "../components/networkNamespace";
import { NetworkPolicies } from "../components/networkPolicies";
import { Whereabouts } from "../components/whereabouts";

beforeAll(async () => {
  await pulumi.runtime.setMocks({
    newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
    call: (args) => args.inputs,
  }, "multinet", "components", true);
});

describe("components used on their own", () => {
  it("fill defaults from the same schema as the stack", () => {
    expect(new Multus("multus-defaults").image).toMatch(/-thick$/);
    expect(new FlannelAttachment("flannel-defaults").network).toBe("10.244.0.0/16");
    expect(new CniPlugins("cni-plugins-defaults").daemonSet).toBeDefined();
    expect(new Whereabouts("whereabouts-defaults").image).toBe("ghcr.io/k8snetworkplumbingwg/whereabouts:v0.9.4");
    expect(new NetworkPolicies("policies-defaults", [{ name: "p", networks: ["data"], policyTypes: ["Ingress"] }]).references).toEqual(["default/p"]);
  });

  it("demand what has no default: the enforcer's pinned image", () => {
    expect(() => new MultiNetworkPolicy("mnp-no-image", {})).toThrowError(/^multinet:multiNetworkPolicy\.image: \(not set\)/);
    expect(() => new MultiNetworkPolicy("mnp-floating", { image: "ghcr.io/k8snetworkplumbingwg/multi-networkpolicy-iptables:latest" }))
      .toThrowError(/multinet:multiNetworkPolicy\.image: ".*:latest" is tagged 'latest', a floating tag/);
  });

  it("reject bad arguments with a ResourceError naming each key", () => {
    expect(() => new Multus("multus-bad", { mode: "fat" as "thick", version: "latest" })).toThrowError(pulumi.ResourceError);
    expect(() => new Multus("multus-bad-2", { mode: "fat" as "thick", version: "latest" })).toThrowError(
      /multinet:multus\.mode: "fat" is not allowed; allowed: "thick", "thin"\n.*multinet:multus\.version: "latest"/,
    );
    expect(() => new NetworkAttachment("nad-bad", { name: "x", type: "macvlan", master: "eth1", ipam: { type: "static", addresses: [{ address: "10.0.0.1" }] } }))
      .toThrowError(/multinet:networks\[0\]\.ipam\.addresses\[0\]\.address: "10\.0\.0\.1" must be a CIDR/);
    // Rules across one network's keys run too, not only the schema's.
    expect(() => new NetworkAttachment("nad-bad-3", { name: "x", type: "host-device", device: "eth2", hwaddr: "02:00:00:00:00:01" }))
      .toThrowError(/multinet:networks\[0\]: sets device, hwaddr; allowed: exactly one/);
    expect(() => new NetworkPolicies("policies-bad", [{ name: "p", networks: ["data"], policyTypes: [] }]))
      .toThrowError(/multinet:policies\[0\]\.policyTypes: \[\] is too short; allowed: at least 1 entries/);
    expect(() => new CniPlugins("cni-plugins-bad", { plugins: ["calico"] }))
      .toThrowError(/multinet:cniPlugins\.plugins\[0\]: "calico" is installed by Calico or by the flannel DaemonSet/);
  });

  it("never create a namespace Kubernetes owns", () => {
    expect(() => new NetworkNamespace("kube-system")).toThrowError(/namespace "kube-system" cannot be created by multinet; allowed: a DNS-1123 label other than default, kube-system, kube-public, kube-node-lease/);
    expect(new NetworkNamespace("storage").namespace).toBeInstanceOf(pulumi.CustomResource);
  });
});
