/**
 * The suite's "cluster", built from network namespaces only — nothing is attached to the root
 * namespace and no route leads out of the lab:
 *
 *   mgmt fabric (br0) ─ eth0 ─┬─ node-a ─ eth1 ─┬─ data fabric (br0) ─ eth0 ─ router ─ eth1 ── eth0 ─ client
 *   10.88.0.0/24              └─ node-b ─ eth1 ─┘  nodes 172.30.0.0/24        172.30.1.1    172.30.2.1   172.30.2.10
 *
 * Pods are namespaces too. Their eth0 comes from a ptp config standing in for Calico; their net1…
 * from NADs, with the plugins running in the node's namespace. Every name starts with
 * `mnt-<pid>-`, so a later run can remove what a crashed one left behind.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import * as ipaddr from "ipaddr.js";
import type { NetworkConfig } from "../../lib/config";
import { cniConfigFor } from "../../lib/networks";
import { cniAdd, cniCheck, cniDel, newContainerId, type Attachment, type CniHost, type PodRef } from "./cni-runtime";
import { run } from "./exec";
import { stack } from "./stack";

const namePrefix = "mnt-";
const netnsDir = "/run/netns";

export interface Node extends CniHost {
  name: string;
  eth1Address: string;
  /** This node's slice of the flannel network, e.g. 10.244.1.0/24. */
  flannelSubnet: string;
  /** The pod CIDR of the Calico stand-in on this node. */
  primaryPodCidr: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes namespaces and temp dirs of earlier runs whose process is gone (a crashed run). */
export function removeLeftovers(): void {
  const stale = (name: string) => {
    const match = /^mnt-(\d+)-/.exec(name);
    return match !== null && !pidAlive(Number(match[1]));
  };
  if (existsSync(netnsDir)) for (const name of readdirSync(netnsDir).filter(stale)) run("ip", ["netns", "del", name]);
  for (const name of readdirSync(tmpdir()).filter(stale)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
}

function rootLinkNames(): string {
  return (JSON.parse(run("ip", ["-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname).sort().join(",");
}

function setSysctl(netns: string, key: string, value: string): void {
  run("ip", ["netns", "exec", netns, "tee", `/proc/sys/${key.replace(/\./g, "/")}`], { input: value });
}

/** The `index`-th subnetLen slice of a network: slice(10.244.0.0/16, 24, 1) = 10.244.1.0/24. */
function slice(network: string, subnetLen: number, index: number): string {
  const base = ipaddr.IPv4.networkAddressFromCIDR(network).toByteArray().reduce((n, byte) => n * 256 + byte, 0);
  const start = base + index * 2 ** (32 - subnetLen);
  const bytes = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${bytes.join(".")}/${subnetLen}`;
}

function firstHost(cidr: string): string {
  const [address] = cidr.split("/");
  const bytes = ipaddr.IPv4.parse(address).toByteArray();
  bytes[3] += 1;
  return bytes.join(".");
}

/**
 * What flanneld writes to /run/flannel/subnet.env on a node: the stack's flannel network, the
 * node's slice, the vxlan MTU (1500 - 50). The second node's flanneld runs with the opposite
 * --ip-masq, so both ipMasq mappings reach the bridge plugin.
 */
function subnetEnv(flannelSubnet: string, ipMasq: boolean): string {
  return [
    `FLANNEL_NETWORK=${stack.flannel.network}`,
    `FLANNEL_SUBNET=${firstHost(flannelSubnet)}/${flannelSubnet.split("/")[1]}`,
    "FLANNEL_MTU=1450",
    `FLANNEL_IPMASQ=${String(ipMasq)}`,
  ].join("\n") + "\n";
}

export class Pod implements PodRef {
  readonly namespace = "default";
  readonly containerId = newContainerId();
  readonly attachments: Attachment[] = [];

  constructor(readonly name: string, readonly netns: string, readonly node: Node) {}

  /**
   * eth0 from the primary network. Stand-in for Calico, hand-written on purpose (Calico is not a
   * reference plugin): ptp gives the same shape — a veth to the node, the pod routed through a
   * gateway on eth0, the default route via eth0.
   */
  attachPrimary(): Attachment {
    const standIn = {
      cniVersion: "1.0.0",
      name: "calico-stand-in",
      type: "ptp",
      ipam: { type: "host-local", ranges: [[{ subnet: this.node.primaryPodCidr }]], routes: [{ dst: "0.0.0.0/0" }] },
    };
    return this.add("eth0", standIn, "calico-stand-in");
  }

  /** net1, net2… from a NAD, named and configured the way Multus does it. */
  attach(network: NetworkConfig): Attachment {
    const ifname = `net${this.attachments.filter((a) => a.ifname !== "eth0").length + 1}`;
    return this.add(ifname, cniConfigFor(network), network.name);
  }

  private add(ifname: string, config: Record<string, unknown>, name: string): Attachment {
    const attachment = cniAdd(this.node, this, ifname, config, name);
    this.attachments.push(attachment);
    return attachment;
  }

  attachment(ifname: string): Attachment {
    const found = this.attachments.find((a) => a.ifname === ifname);
    if (!found) throw new Error(`${this.name} has no ${ifname}`);
    return found;
  }

  check(ifname: string): void {
    cniCheck(this.node, this, this.attachment(ifname));
  }

  /** The first address the plugins reported for an interface, without prefix. */
  ip(ifname: string): string {
    const [first] = this.attachment(ifname).result.ips as Array<{ address: string }>;
    return first.address.split("/")[0];
  }

  /** DEL of every attachment, last first (as Multus tears a pod down); the first error is rethrown after all ran. */
  detachAll(): void {
    let firstError: unknown;
    for (const attachment of [...this.attachments].reverse()) {
      try {
        cniDel(this.node, this, attachment);
      } catch (error) {
        firstError ??= error;
      }
    }
    this.attachments.length = 0;
    if (firstError) throw firstError;
  }
}

export class Lab {
  /** host-local's dataDir, shared by the nodes: stands in for a cluster-wide IPAM (see README). */
  readonly ipamDataDir: string;
  readonly nodes: Node[];
  /** A host on another subnet of the data network (172.30.2.0/24), behind the router. */
  readonly client: { netns: string; address: string };
  private readonly prefix = `${namePrefix}${process.pid}-${randomBytes(2).toString("hex")}-`;
  private readonly namespaces: string[] = [];
  private readonly pods: Pod[] = [];
  private readonly rootLinksBefore = rootLinkNames();
  readonly stateDir: string;

  constructor() {
    this.stateDir = mkdtempSync(join(tmpdir(), this.prefix));
    this.ipamDataDir = join(this.stateDir, "ipam");
    try {
      [this.nodes, this.client] = this.build();
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  private netns(suffix: string): string {
    const name = `${this.prefix}${suffix}`;
    run("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    return name;
  }

  /** A veth from a fabric's bridge to `ifname` in `netns`, created inside the fabric namespace. */
  private connect(fabric: string, port: string, netns: string, ifname: string, address: string): void {
    run("ip", ["-n", fabric, "link", "add", "name", port, "type", "veth", "peer", "name", ifname, "netns", netns]);
    run("ip", ["-n", fabric, "link", "set", "dev", port, "master", "br0", "up"]);
    run("ip", ["-n", netns, "addr", "add", address, "dev", ifname]);
    run("ip", ["-n", netns, "link", "set", "dev", ifname, "up"]);
  }

  private build(): [Node[], { netns: string; address: string }] {
    const [mgmt, data] = [this.netns("mgmt"), this.netns("data")];
    for (const fabric of [mgmt, data]) {
      run("ip", ["-n", fabric, "link", "add", "br0", "type", "bridge"]);
      run("ip", ["-n", fabric, "link", "set", "dev", "br0", "up"]);
    }

    const nodes = ["a", "b"].map((letter, i): Node => {
      const netns = this.netns(`node-${letter}`);
      this.connect(mgmt, `to-${letter}`, netns, "eth0", `10.88.0.${11 + i}/24`);
      this.connect(data, `to-${letter}`, netns, "eth1", `172.30.0.${11 + i}/24`);
      setSysctl(netns, "net.ipv4.ip_forward", "1");
      const flannelSubnet = slice(stack.flannel.network, stack.flannel.subnetLen, i + 1);
      return {
        name: `node-${letter}`,
        netns,
        eth1Address: `172.30.0.${11 + i}`,
        flannelSubnet,
        primaryPodCidr: `192.168.${i + 1}.0/24`, // inside the stack's Calico pool
        subnetEnv: subnetEnv(flannelSubnet, i === 0 ? stack.flannel.ipMasq : !stack.flannel.ipMasq),
        ipamDataDir: this.ipamDataDir,
      };
    });
    // Stand-in for flanneld's backend: host-gw style routes between the nodes' flannel subnets.
    for (const [from, to] of [[nodes[0], nodes[1]], [nodes[1], nodes[0]]]) {
      run("ip", ["-n", from.netns, "route", "add", to.flannelSubnet, "via", to.eth1Address]);
    }

    // A router between the pods' data subnet and another subnet of the data network, with a client.
    const [router, client] = [this.netns("router"), this.netns("client")];
    this.connect(data, "to-router", router, "eth0", "172.30.1.1/24");
    run("ip", ["-n", router, "link", "add", "name", "eth1", "type", "veth", "peer", "name", "eth0", "netns", client]);
    run("ip", ["-n", router, "addr", "add", "172.30.2.1/24", "dev", "eth1"]);
    run("ip", ["-n", router, "link", "set", "dev", "eth1", "up"]);
    setSysctl(router, "net.ipv4.ip_forward", "1");
    run("ip", ["-n", client, "addr", "add", "172.30.2.10/24", "dev", "eth0"]);
    run("ip", ["-n", client, "link", "set", "dev", "eth0", "up"]);
    run("ip", ["-n", client, "route", "add", "172.30.0.0/16", "via", "172.30.2.1"]);
    return [nodes, { netns: client, address: "172.30.2.10" }];
  }

  node(name: "node-a" | "node-b"): Node {
    return this.nodes.find((n) => n.name === name)!;
  }

  /** A pod sandbox: a fresh namespace with lo up, as the runtime creates it before any CNI ADD. */
  pod(name: string, node: Node): Pod {
    const netns = this.netns(`pod-${name}`);
    run("ip", ["-n", netns, "link", "set", "dev", "lo", "up"]);
    const pod = new Pod(name, netns, node);
    this.pods.push(pod);
    return pod;
  }

  /** CNI DEL of everything a pod has, then its namespace goes (as the runtime does). */
  removePod(pod: Pod): void {
    this.pods.splice(this.pods.indexOf(pod), 1);
    try {
      pod.detachAll();
    } finally {
      run("ip", ["netns", "del", pod.netns]);
      this.namespaces.splice(this.namespaces.indexOf(pod.netns), 1);
    }
  }

  removePods(): void {
    let firstError: unknown;
    for (const pod of [...this.pods].reverse()) {
      try {
        this.removePod(pod);
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError) throw firstError;
  }

  /** Tears everything down; fails if the root namespace's links changed while the lab existed. */
  destroy(): void {
    try {
      this.removePods();
    } finally {
      for (const netns of this.namespaces.reverse()) run("ip", ["netns", "del", netns]);
      this.namespaces.length = 0;
      rmSync(this.stateDir, { recursive: true, force: true });
    }
    const rootLinksAfter = rootLinkNames();
    if (rootLinksAfter !== this.rootLinksBefore) throw new Error(`root namespace links changed: ${this.rootLinksBefore} -> ${rootLinksAfter}`);
  }
}
