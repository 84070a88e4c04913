/**
 * What the data-plane suite needs. Each of these FAILS when missing (never skips), so a CI job that
 * cannot run the proof goes red instead of passing by skipping it.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cniBinDir } from "./cni-runtime";
import { run, spawn } from "./exec";

/** Every plugin the suite executes, and the CNI versions its configs use. */
const plugins = ["bridge", "macvlan", "ipvlan", "vlan", "host-device", "ptp", "host-local", "static", "tuning", "bandwidth", "portmap", "sbr"];
const cniVersions = ["0.3.1", "0.4.0", "1.0.0"];

describe("prerequisites of the data-plane suite", () => {
  it("runs as root (namespaces, links and plugins need CAP_NET_ADMIN)", () => {
    expect(process.getuid?.()).toBe(0);
  });

  it.each(plugins)(`has the reference plugin %s in ${cniBinDir}, speaking CNI ${cniVersions.join(", ")}`, (plugin) => {
    const result = spawn(`${cniBinDir}/${plugin}`, [], { env: { CNI_COMMAND: "VERSION" }, input: "{}" });
    expect(result.status, result.stderr).toBe(0);
    const { supportedVersions } = JSON.parse(result.stdout) as { supportedVersions: string[] };
    expect(supportedVersions).toEqual(expect.arrayContaining(cniVersions));
  });

  it("has iproute2 with JSON output (ip and tc) and iptables (the bridge plugin's ipMasq and portmap run it)", () => {
    expect(Array.isArray(JSON.parse(run("ip", ["-j", "link", "show", "lo"])))).toBe(true);
    expect(Array.isArray(JSON.parse(run("tc", ["-j", "qdisc", "show", "dev", "lo"])))).toBe(true);
    expect(run("iptables", ["--version"])).toMatch(/iptables v\d/);
  });

  it("can create a namespace with the veth, bridge, macvlan and ifb links the lab and the plugins use", () => {
    const netns = `mnt-${process.pid}-${randomBytes(2).toString("hex")}-probe`;
    run("ip", ["netns", "add", netns]);
    try {
      run("ip", ["-n", netns, "link", "add", "name", "v0", "type", "veth", "peer", "name", "v1"]);
      run("ip", ["-n", netns, "link", "add", "name", "br0", "type", "bridge"]);
      run("ip", ["-n", netns, "link", "add", "link", "v0", "name", "mv0", "type", "macvlan", "mode", "bridge"]);
      run("ip", ["-n", netns, "link", "add", "name", "ifb0", "type", "ifb"]);
    } finally {
      run("ip", ["netns", "del", netns]);
    }
  });
});
