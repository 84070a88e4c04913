/**
 * Pod churn: 50 sandboxes, alternating between the nodes, each with eth0 and nine NADs covering
 * every plugin the suite runs (ptp, macvlan, bridge, host-device, host-local, static, tuning,
 * bandwidth, portmap with a hostPort, sbr, the expanded flannel bridge with and without ipMasq;
 * IPv4, IPv6 and dual-stack), ADD + CHECK + DEL, then the namespace goes. Afterwards the nodes
 * must look exactly as after the first round (one pod per node: bridges are created once). host-local rotates through its ranges (10 addresses in
 * bridge-hl), so a leaked reservation would also surface as an exhausted range within the run.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { supportsCheck } from "./cni-runtime";
import { useLab } from "./hooks";
import { links, natRules } from "./observe";
import { flannelWithSbr, knownCheckError, network } from "./stack";

const lab = useLab();
const cycles = 50;
const nads = [
  ...["data", "macvlan-static", "bridge-hl", "tuned", "shaped", "bridge-dual", "macvlan-v6", "hostdev"].map(network),
  flannelWithSbr(),
];
/** What a pod asks the runtime for: a hostPort, which reaches `shaped` through portmap. */
const portMappings = [{ hostPort: 18080, containerPort: 80, protocol: "tcp" as const }];

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Every file and directory under `dir` (directories with a trailing `/`); null when `dir` does not exist. */
function tree(dir: string): string[] | null {
  if (!existsSync(dir)) return null;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => `${relative(dir, join(entry.parentPath, entry.name))}${entry.isDirectory() ? "/" : ""}`)
    .sort();
}

/** Everything a leak would show up in: node links and NAT rules, the state dir, this lab's pod namespaces. */
function snapshot() {
  return {
    nodeLinks: lab().nodes.map((node) => links(node.netns).map((l) => l.ifname).sort()),
    nodeNat: lab().nodes.map((node) => natRules(node.netns)),
    stateFiles: files(lab().stateDir),
    podNamespaces: lab().existingNamespaces().filter((name) => name.startsWith(`${lab().prefix}pod-`)),
  };
}

// About 5 s per pod here (260 s for 50; 400 s on a loaded machine), most of it macvlan's ADD waiting for IPv6 duplicate address detection.
it(`leaves no links, IP reservations, NAT rules or files behind after ${cycles} ADD/CHECK/DEL cycles`, { timeout: 900_000 }, () => {
  // host-local's default dataDir; the suite points it elsewhere, so nothing in here may change.
  const varLibCniBefore = tree("/var/lib/cni");
  const { nodes } = lab();
  let afterFirstRound: ReturnType<typeof snapshot> | undefined;
  const started = performance.now();
  const addMs = new Map<string, number>();
  for (let i = 0; i < cycles; i++) {
    const pod = lab().pod(`cycle${i}`, nodes[i % nodes.length]);
    pod.attachPrimary();
    for (const nad of nads) {
      const start = performance.now();
      pod.attach(nad, { portMappings });
      addMs.set(nad.name, (addMs.get(nad.name) ?? 0) + performance.now() - start);
    }
    // CHECK passes, or fails exactly as Debian's 1.1.1 plugins are known to (stack.ts, knownCheckError).
    nads.forEach((nad, n) => {
      const { ifname, cniVersion } = pod.attachments[n + 1];
      if (!supportsCheck(cniVersion)) return;
      const known = knownCheckError(nad, Boolean(nad.portmap));
      if (known) expect(() => pod.check(ifname), `${nad.name} CHECK`).toThrow(known);
      else pod.check(ifname);
    });
    lab().removePod(pod);
    if (i === nodes.length - 1) afterFirstRound = snapshot();
  }
  const elapsedMs = performance.now() - started;
  console.log(`${cycles} cycles of ${nads.length + 1} attachments in ${(elapsedMs / 1000).toFixed(1)} s (${(elapsedMs / cycles).toFixed(0)} ms per pod); ADD per NAD: ${[...addMs].map(([name, ms]) => `${name} ${(ms / cycles).toFixed(0)} ms`).join(", ")}`);

  expect(snapshot()).toEqual(afterFirstRound);
  expect(afterFirstRound!.podNamespaces).toEqual([]);
  // What stays by design: the bridges the plugins created, host-local's lock and last-reserved files.
  // host-device's hd0 is back on its node after every DEL; bandwidth's ifb devices are gone.
  const nodeLinks = ["br-dual", "br-hl", "br-shape", "br-tune", "cni0", "eth0", "eth1", "hd0", "hd0-peer", "lo"];
  expect(afterFirstRound!.nodeLinks).toEqual([nodeLinks, nodeLinks]);
  expect(afterFirstRound!.stateFiles.filter((file) => /\d+\.\d+\.\d+\.\d+$/.test(file))).toEqual([]);
  expect(tree("/var/lib/cni")).toEqual(varLibCniBefore);
});
