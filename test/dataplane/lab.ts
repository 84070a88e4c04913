/**
 * The suite's "cluster", built from network namespaces only — nothing is attached to the root
 * namespace and no route leads out of the lab:
 *
 *   mgmt fabric (br0) ─ eth0 ─┬─ node-a ─ eth1 ─┬─ data fabric (br0) ─ eth0 ─ router ─ eth1 ── eth0 ─ client
 *   10.88.0.0/24              └─ node-b ─ eth1 ─┘  nodes 172.30.0.0/24        172.30.0.1    172.30.2.1   172.30.2.10
 *                                                  pods' data subnet          172.30.1.1
 *
 * The router is the data network's: the nodes reach the client's subnet through it, and it routes
 * each node's flannel subnet to that node's eth1, as the underlay of flannel's host-gw backend does.
 * Pods are namespaces too. Their eth0 comes from a ptp config standing in for Calico (with Felix's
 * strict reverse-path filter on the node's side); their net1… from NADs, with the plugins running
 * in the node's namespace. Every namespace and temp dir name starts with `mnt-<pid>-`, and temp
 * dirs live only under `tempParent`, so a later run can remove what a crashed one left behind
 * without touching anything else.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import * as ipaddr from "ipaddr.js";
import type { TypedNetworkConfig } from "../../lib/config";
import { parseCidr } from "../../lib/config/cidr";
import { cniConfigFor } from "../../lib/build/networks";
import { attempt, attemptEach, buildOrTearDown, throwCollected } from "./cleanup";
import { cniAdd, cniCheck, cniDel, newContainerId, type Attachment, type CapabilityArgs, type CniHost, type PodRef } from "./cni-runtime";
import { run } from "./exec";
import { diffLines, readState, stateLines, type Footprint } from "./netns-state";
import { stack } from "./stack";

const namePrefix = "mnt-";
const netnsDir = "/run/netns";
/** The only place the suite keeps temp dirs (one per lab), and the only place leftovers are removed from. */
export const tempParent = join(tmpdir(), "multinet-dataplane");

/** The client's subnet of the data network, behind the router. */
const clientSubnet = "172.30.2.0/24";
/** The router's address on the nodes' subnet: the nodes' gateway to the client's subnet. */
const routerOnNodeSubnet = "172.30.0.1";
/** The Calico stand-in's pod CIDR per node (inside the stack's Calico pool). */
const primaryPodCidrs = ["192.168.1.0/24", "192.168.2.0/24"];
/** The lab's own IPv4 networks: mgmt fabric, data network (nodes, pods' data subnet, client), the Calico stand-in's pod CIDRs. */
const labCidrs = ["10.88.0.0/24", "172.30.0.0/16", ...primaryPodCidrs];
/** The node NIC stack.yaml's host-device network takes (a veth the lab creates on each node). */
export const hostDeviceName = "hd0";
/** Links the lab creates under its own names: the fabrics' bridges and their ports, host-device's NIC. */
const labLinkNames = ["br0", "to-a", "to-b", "to-router", hostDeviceName, `${hostDeviceName}-peer`];

/**
 * What the lab could leave in a namespace it was never meant to touch: its own networks and every
 * CIDR (IPv4 or IPv6) stack.yaml configures (ranges, static addresses, routes, the flannel network); its fabric
 * links, the plugins' bridges (the stack's, flannel's cni0) and pod interfaces (net1…). eth0/eth1
 * are left out: hosts have NICs by those names, and a lab eth0/eth1 would carry a lab address.
 */
export function labFootprint(): Footprint {
  const stackCidrs = (JSON.stringify({ networks: stack.networks, flannel: stack.flannel.network }).match(/[0-9a-fA-F:.]+\/\d{1,3}/g) ?? [])
    .filter((text) => parseCidr(text) !== undefined);
  const names = new Set([...labLinkNames, "cni0", ...stack.networks.flatMap((n) => (n.type === "bridge" ? [n.bridge] : []))]);
  return { cidrs: [...labCidrs, ...stackCidrs], isLabLink: (name) => names.has(name) || /^net\d+$/.test(name) };
}

/** The root namespace's state, as far as the lab could have changed it (netns-state.ts). */
function rootState(): string[] {
  return stateLines(readState(), labFootprint());
}

/** tempParent, created if needed; refused unless it is a real directory of ours (it is cleaned as root). */
export function ensureTempParent(): string {
  mkdirSync(tempParent, { recursive: true, mode: 0o700 });
  const stat = lstatSync(tempParent);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) throw new Error(`${tempParent} is not a directory owned by this user`);
  return tempParent;
}

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

/** True for a namespace or temp dir name of an earlier run whose process is gone (a crashed run). */
function stale(name: string): boolean {
  const match = /^mnt-(\d+)-/.exec(name);
  return match !== null && !pidAlive(Number(match[1]));
}

/** Removes the namespaces, and the temp dirs under tempParent, of crashed runs; tries all, then throws what failed. */
export function removeLeftovers(): void {
  const namespaces = existsSync(netnsDir) ? readdirSync(netnsDir).filter(stale) : [];
  const dirs = existsSync(tempParent) ? readdirSync(ensureTempParent()).filter(stale) : [];
  throwCollected(
    [
      ...attemptEach(namespaces, (name) => run("ip", ["netns", "del", name])),
      ...attemptEach(dirs, (name) => rmSync(join(tempParent, name), { recursive: true, force: true })),
    ],
    "removing leftovers of crashed runs",
  );
}

/** Sets one value for several sysctl keys in a namespace (one exec). */
function setSysctl(netns: string, keys: string | string[], value: string): void {
  const files = [keys].flat().map((key) => `/proc/sys/${key.replace(/\./g, "/")}`);
  run("ip", ["netns", "exec", netns, "tee", ...files], { input: value });
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
    const attachment = this.add("eth0", standIn, "calico-stand-in");
    // Felix sets strict reverse-path filtering on every workload interface (endpoint_mgr.go,
    // configureInterface) so a workload cannot spoof its address: the node drops a packet from the
    // pod's veth whose source the node would not route back over that veth.
    this.setWorkloadRpFilter(1);
    return attachment;
  }

  /** The node's side of the Calico stand-in's veth (a real node's `cali…` interface). */
  hostVeth(): string {
    const interfaces = this.attachment("eth0").result.interfaces as Array<{ name: string; sandbox?: string }>;
    const hostSide = interfaces.find((i) => !i.sandbox);
    if (!hostSide) throw new Error(`ptp reported no host-side interface for ${this.name}`);
    return hostSide.name;
  }

  /** The node's reverse-path filter on hostVeth(): 1 strict (Felix's setting, the default here), 2 loose, 0 off. */
  setWorkloadRpFilter(mode: 0 | 1 | 2): void {
    setSysctl(this.node.netns, `net.ipv4.conf.${this.hostVeth()}.rp_filter`, String(mode));
  }

  /** net1, net2… from a NAD, named and configured the way Multus does it; `args` as from the pod's annotation. */
  attach(network: TypedNetworkConfig, args: CapabilityArgs = {}): Attachment {
    const ifname = `net${this.attachments.filter((a) => a.ifname !== "eth0").length + 1}`;
    return this.add(ifname, cniConfigFor(network), network.name, args);
  }

  private add(ifname: string, config: Record<string, unknown>, name: string, args: CapabilityArgs = {}): Attachment {
    const attachment = cniAdd(this.node, this, ifname, config, name, args);
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

  /** DEL of every attachment, last first (as Multus tears a pod down); all are attempted, then what failed is thrown. */
  detachAll(): void {
    const errors = attemptEach([...this.attachments].reverse(), (attachment) => cniDel(this.node, this, attachment));
    this.attachments.length = 0;
    throwCollected(errors, `DEL of ${this.name}'s attachments`);
  }
}

export class Lab {
  /** host-local's dataDir, shared by the nodes: stands in for a cluster-wide IPAM (see README). */
  readonly ipamDataDir: string;
  readonly nodes: Node[];
  /** A host on another subnet of the data network (172.30.2.0/24), behind the router. */
  readonly client: { netns: string; address: string };
  /** The data network's router (172.30.0.1 and 172.30.1.1 on eth0, 172.30.2.1 on eth1). */
  readonly router: { netns: string };
  /** Starts every namespace and temp dir name of this lab: `mnt-<pid>-<random>-`. */
  readonly prefix = `${namePrefix}${process.pid}-${randomBytes(2).toString("hex")}-`;
  private readonly namespaces: string[] = [];
  private readonly pods: Pod[] = [];
  private readonly rootBefore = rootState();
  readonly stateDir: string;

  constructor() {
    this.stateDir = mkdtempSync(join(ensureTempParent(), this.prefix));
    this.ipamDataDir = join(this.stateDir, "ipam");
    // A failed build is torn down; its error is the one thrown, the teardown's are attached to it.
    [this.nodes, this.client, this.router] = buildOrTearDown(() => this.build(), () => this.tearDown());
  }

  /** This lab's namespaces that still exist, as listed in /run/netns. */
  existingNamespaces(): string[] {
    return existsSync(netnsDir) ? readdirSync(netnsDir).filter((name) => name.startsWith(this.prefix)).sort() : [];
  }

  /**
   * A new namespace of the lab. A new namespace copies IPv4 conf/all and conf/default from the
   * root namespace (net.core.devconf_inherit_init_net=0), so the host's rp_filter would decide
   * which lab packets are dropped; it is set to 0 here, and the only reverse-path filter in the lab
   * is the Calico stand-in's (attachPrimary).
   */
  private netns(suffix: string): string {
    const name = `${this.prefix}${suffix}`;
    run("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    setSysctl(name, ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter"], "0");
    return name;
  }

  /** A veth from a fabric's bridge to `ifname` in `netns`, created inside the fabric namespace. */
  private connect(fabric: string, port: string, netns: string, ifname: string, address: string): void {
    run("ip", ["-n", fabric, "link", "add", "name", port, "type", "veth", "peer", "name", ifname, "netns", netns]);
    run("ip", ["-n", fabric, "link", "set", "dev", port, "master", "br0", "up"]);
    run("ip", ["-n", netns, "addr", "add", address, "dev", ifname]);
    run("ip", ["-n", netns, "link", "set", "dev", ifname, "up"]);
  }

  private build(): [Node[], { netns: string; address: string }, { netns: string }] {
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
      // A spare NIC for host-device to move into a pod: a veth whose peer stays on the node.
      run("ip", ["-n", netns, "link", "add", "name", hostDeviceName, "type", "veth", "peer", "name", `${hostDeviceName}-peer`]);
      run("ip", ["-n", netns, "link", "set", "dev", `${hostDeviceName}-peer`, "up"]);
      const flannelSubnet = slice(stack.flannel.network, stack.flannel.subnetLen, i + 1);
      return {
        name: `node-${letter}`,
        netns,
        eth1Address: `172.30.0.${11 + i}`,
        flannelSubnet,
        primaryPodCidr: primaryPodCidrs[i],
        subnetEnv: subnetEnv(flannelSubnet, i === 0 ? stack.flannel.ipMasq : !stack.flannel.ipMasq),
        ipamDataDir: this.ipamDataDir,
      };
    });
    // Stand-in for flanneld's backend: host-gw style routes between the nodes' flannel subnets.
    for (const [from, to] of [[nodes[0], nodes[1]], [nodes[1], nodes[0]]]) {
      run("ip", ["-n", from.netns, "route", "add", to.flannelSubnet, "via", to.eth1Address]);
    }

    // The data network's router, between the nodes' subnet, the pods' data subnet and the client's
    // subnet. As the underlay of flannel's host-gw backend, it routes each node's flannel subnet to
    // that node's eth1; the nodes reach the client's subnet through it.
    const [router, client] = [this.netns("router"), this.netns("client")];
    this.connect(data, "to-router", router, "eth0", "172.30.1.1/24");
    run("ip", ["-n", router, "addr", "add", `${routerOnNodeSubnet}/24`, "dev", "eth0"]);
    for (const node of nodes) {
      run("ip", ["-n", router, "route", "add", node.flannelSubnet, "via", node.eth1Address]);
      run("ip", ["-n", node.netns, "route", "add", clientSubnet, "via", routerOnNodeSubnet]);
    }
    run("ip", ["-n", router, "link", "add", "name", "eth1", "type", "veth", "peer", "name", "eth0", "netns", client]);
    run("ip", ["-n", router, "addr", "add", "172.30.2.1/24", "dev", "eth1"]);
    run("ip", ["-n", router, "link", "set", "dev", "eth1", "up"]);
    setSysctl(router, "net.ipv4.ip_forward", "1");
    run("ip", ["-n", client, "addr", "add", "172.30.2.10/24", "dev", "eth0"]);
    run("ip", ["-n", client, "link", "set", "dev", "eth0", "up"]);
    run("ip", ["-n", client, "route", "add", "172.30.0.0/16", "via", "172.30.2.1"]);
    run("ip", ["-n", client, "route", "add", stack.flannel.network, "via", "172.30.2.1"]);
    return [nodes, { netns: client, address: "172.30.2.10" }, { netns: router }];
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

  /** A pod on a node with eth0 from the primary network and net1 from `network`: most proofs start so. */
  podAttachedTo(name: string, nodeName: Parameters<Lab["node"]>[0], network: TypedNetworkConfig): Pod {
    const pod = this.pod(name, this.node(nodeName));
    pod.attachPrimary();
    pod.attach(network);
    return pod;
  }

  /** Deletes one of the lab's namespaces; it stays listed (for the final teardown to retry) if that fails. */
  private deleteNamespace(netns: string): void {
    run("ip", ["netns", "del", netns]);
    const index = this.namespaces.indexOf(netns);
    if (index >= 0) this.namespaces.splice(index, 1);
  }

  /** CNI DEL of everything a pod has, then its namespace goes (as the runtime does); returns what failed. */
  private podTearDown(pod: Pod): unknown[] {
    const index = this.pods.indexOf(pod);
    if (index >= 0) this.pods.splice(index, 1);
    return [...attempt(() => pod.detachAll()), ...attempt(() => this.deleteNamespace(pod.netns))];
  }

  /** CNI DEL of everything a pod has, then its namespace goes (as the runtime does). */
  removePod(pod: Pod): void {
    throwCollected(this.podTearDown(pod), `removing pod ${pod.name}`);
  }

  /** Every pod removed, last first; all are attempted, then what failed is thrown. */
  removePods(): void {
    throwCollected([...this.pods].reverse().flatMap((pod) => this.podTearDown(pod)), "removing pods");
  }

  /**
   * Every teardown step, each attempted whatever failed before it: pods (DEL, namespace), the
   * remaining namespaces, the temp dir, then the root namespace compared with its state before the
   * lab existed. Returns the errors instead of throwing them.
   */
  private tearDown(): unknown[] {
    return [
      ...[...this.pods].reverse().flatMap((pod) => this.podTearDown(pod)),
      ...attemptEach([...this.namespaces].reverse(), (netns) => this.deleteNamespace(netns)),
      ...attempt(() => rmSync(this.stateDir, { recursive: true, force: true })),
      ...attempt(() => {
        const diff = diffLines(this.rootBefore, rootState());
        if (diff.length) throw new Error(`the root namespace changed while the lab existed (- before, + after):\n${diff.join("\n")}`);
      }),
    ];
  }

  /** Tears everything down; throws an AggregateError of every step that failed, the root namespace check included. */
  destroy(): void {
    throwCollected(this.tearDown(), "lab teardown");
  }
}
