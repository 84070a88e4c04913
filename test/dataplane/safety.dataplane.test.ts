/**
 * The suite's own safety machinery: teardown that attempts every step and reports every failure,
 * the root-namespace comparison (exercised on a throwaway namespace — nothing is ever added to the
 * root namespace to test it), and leftover removal confined to the suite's temp parent.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { attempt, attemptEach, buildOrTearDown, throwCollected, withCleanupErrors } from "./cleanup";
import { run, runIn } from "./exec";
import { ensureTempParent, Lab, labFootprint, removeLeftovers } from "./lab";
import { diffLines, readState, stateLines, type Footprint, type RawState } from "./netns-state";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("teardown that does not stop at the first error", () => {
  it("attempts every step and returns the errors in order", () => {
    const ran: number[] = [];
    const errors = attemptEach([1, 2, 3, 4], (n) => {
      ran.push(n);
      if (n % 2 === 0) throw new Error(`step ${n}`);
    });
    expect(ran).toEqual([1, 2, 3, 4]);
    expect(errors.map((e) => (e as Error).message)).toEqual(["step 2", "step 4"]);
  });

  it("throws nothing without errors, else one AggregateError listing every error, nested ones flattened", () => {
    expect(() => throwCollected([], "teardown")).not.toThrow();
    const inner = new AggregateError([new Error("b"), new Error("c")], "pod");
    const error = thrown(() => throwCollected([new Error("a"), inner], "teardown")) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e) => (e as Error).message)).toEqual(["a", "b", "c"]);
    expect(error.message).toBe("teardown: 3 error(s):\n  1. a\n  2. b\n  3. c");
  });

  it("keeps the error that started a cleanup as the one thrown, the cleanup's errors attached", () => {
    const primary = new Error("build failed");
    expect(withCleanupErrors(primary, [])).toBe(primary);
    expect(primary.cause).toBeUndefined();

    const attached = withCleanupErrors(primary, [new Error("del failed")]) as Error;
    expect(attached).toBe(primary);
    expect(attached.message).toBe("build failed");
    expect((attached.cause as AggregateError).errors.map((e) => (e as Error).message)).toEqual(["del failed"]);

    const withCause = new Error("build failed", { cause: "original cause" });
    withCleanupErrors(withCause, [new Error("del failed")]);
    expect(withCause.cause).toBe("original cause");
    expect((withCause as Error & { cleanupErrors: AggregateError }).cleanupErrors.errors).toHaveLength(1);

    expect((withCleanupErrors("a string", [new Error("x")]) as Error).message).toBe("a string");
  });

  it("tears a failed build down and rethrows the build error; a successful build is not torn down", () => {
    let tornDown = 0;
    expect(buildOrTearDown(() => 42, () => [tornDown++])).toBe(42);
    expect(tornDown).toBe(0);

    const error = thrown(() =>
      buildOrTearDown(
        () => {
          throw new Error("ip link add failed");
        },
        () => {
          tornDown++;
          return [new Error("ip netns del failed")];
        },
      ),
    ) as Error;
    expect(tornDown).toBe(1);
    expect(error.message).toBe("ip link add failed");
    expect((error.cause as AggregateError).errors.map((e) => (e as Error).message)).toEqual(["ip netns del failed"]);

    const teardownThrew = thrown(() =>
      buildOrTearDown(
        () => {
          throw new Error("build");
        },
        () => {
          throw new Error("teardown");
        },
      ),
    ) as Error;
    expect(teardownThrew.message).toBe("build");
    expect((teardownThrew.cause as AggregateError).errors.map((e) => (e as Error).message)).toEqual(["teardown"]);
  });

  it("destroys a whole lab even when deleting one of its namespaces fails, and reports that failure", () => {
    const lab = new Lab();
    let error: unknown;
    try {
      const router = `${lab.prefix}router`;
      expect(lab.existingNamespaces()).toContain(router);
      lab.pod("p", lab.node("node-a")).attachPrimary();
      // Gone behind the lab's back: its `ip netns del` fails, every other step must still run.
      run("ip", ["netns", "del", router]);

      error = thrown(() => lab.destroy());
      expect(error).toBeInstanceOf(AggregateError);
      expect((error as AggregateError).errors.map((e) => (e as Error).message)).toEqual([expect.stringContaining(`ip netns del ${router} exited`)]);
      expect(lab.existingNamespaces()).toEqual([]);
      expect(existsSync(lab.stateDir)).toBe(false);
    } finally {
      if (error === undefined) attempt(() => lab.destroy()); // an assertion failed before destroy ran
    }
  });
});

const footprint: Footprint = { cidrs: ["172.30.0.0/16", "10.244.0.0/16", "fd29:5::/64", "fd16:80::/64"], isLabLink: (name) => ["br0", "cni0"].includes(name) || /^net\d+$/.test(name) };

/** A host's state as iproute2 and iptables-save print it, with what other processes change as parameters. */
function hostState(changes: { lifetime: number; counters: string; docker: boolean }): RawState {
  const inet6 = { family: "inet6", local: "2001:db8::5", prefixlen: 64, scope: "global", valid_life_time: changes.lifetime };
  const links = [
    { ifname: "eth0", mtu: 1500, operstate: "UP", addr_info: [{ family: "inet", local: "192.0.2.2", prefixlen: 24, scope: "global", valid_life_time: changes.lifetime }, inet6] },
    ...(changes.docker ? [{ ifname: "docker0", mtu: 1500, addr_info: [{ family: "inet", local: "172.17.0.1", prefixlen: 16, scope: "global" }] }, { ifname: "veth1a2b3c4", master: "docker0", mtu: 1500, addr_info: [] }] : []),
  ];
  const routes = [
    { dst: "default", gateway: "192.0.2.1", dev: "eth0", flags: [] },
    { dst: "2001:db8::/64", dev: "eth0", expires: changes.lifetime, flags: [] },
    ...(changes.docker ? [{ dst: "172.17.0.0/16", dev: "docker0", protocol: "kernel", scope: "link", prefsrc: "172.17.0.1", flags: ["linkdown"] }] : []),
  ];
  const rules = [{ priority: 0, src: "all", table: "local" }, { priority: 32766, src: "all", table: "main" }];
  const iptables = [
    `# Generated by iptables-save v1.8.9 (nf_tables) on ${changes.counters}`,
    "*nat",
    `:POSTROUTING ACCEPT [${changes.counters}]`,
    ...(changes.docker ? [":DOCKER - [0:0]", "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"] : []),
    "COMMIT",
    "# Completed",
  ].join("\n");
  return { addr: JSON.stringify(links), routes: JSON.stringify(routes), rules: JSON.stringify(rules), iptables, ipForward: "1\n" };
}

describe("the root namespace comparison", () => {
  it("ignores what other processes change: lifetimes, counters, `#` lines, their own links, routes and rules", () => {
    const before = stateLines(hostState({ lifetime: 3600, counters: "0:0", docker: false }), footprint);
    const after = stateLines(hostState({ lifetime: 3599, counters: "12:3456", docker: true }), footprint);
    expect(before).toEqual(["sysctl net.ipv4.ip_forward=1"]);
    expect(diffLines(before, after)).toEqual([]);
  });

  it("reports what the lab could have left, as readable lines", () => {
    const host = hostState({ lifetime: 3600, counters: "0:0", docker: false });
    const leaked: RawState = {
      addr: JSON.stringify([
        { ifname: "eth0", mtu: 1500, addr_info: [{ family: "inet", local: "192.0.2.2", prefixlen: 24, scope: "global" }, { family: "inet", local: "172.30.1.10", prefixlen: 24, scope: "global" }] },
        { ifname: "cni0", mtu: 1450, addr_info: [{ family: "inet", local: "10.244.1.1", prefixlen: 24, scope: "global" }] },
        { ifname: "veth0123abcd", master: "cni0", mtu: 1450, addr_info: [] },
      ]),
      routes: JSON.stringify([
        { dst: "default", gateway: "192.0.2.1", dev: "eth0", flags: [] },
        { dst: "default", gateway: "172.30.1.1", dev: "eth0", table: "100", flags: [] },
        { dst: "10.1.0.0/16", nexthops: [{ gateway: "192.0.2.7", dev: "eth0" }, { gateway: "172.30.0.12", dev: "eth0" }], flags: [] },
      ]),
      rules: JSON.stringify([{ priority: 0, src: "all", table: "local" }, { priority: 32765, src: "172.30.1.10", table: "100" }]),
      iptables: [
        "*nat",
        ":POSTROUTING ACCEPT [5:300]",
        ":CNI-0123456789abcdef - [0:0]",
        ":OTHER - [0:0]",
        '-A POSTROUTING -s 10.244.2.2/32 -m comment --comment "name: \\"flannel\\"" -j CNI-0123456789abcdef',
        "-A CNI-0123456789abcdef ! -d 224.0.0.0/4 -j MASQUERADE",
        "-A OTHER -s 198.51.100.0/24 -j ACCEPT",
        "COMMIT",
      ].join("\n"),
      ipForward: "0\n",
    };
    expect(diffLines(stateLines(host, footprint), stateLines(leaked, footprint))).toEqual([
      "- sysctl net.ipv4.ip_forward=1",
      "+ addr cni0 inet 10.244.1.1/24 scope global",
      "+ addr eth0 inet 172.30.1.10/24 scope global",
      "+ iptables nat -A CNI-0123456789abcdef ! -d 224.0.0.0/4 -j MASQUERADE",
      '+ iptables nat -A POSTROUTING -s 10.244.2.2/32 -m comment --comment "name: \\"flannel\\"" -j CNI-0123456789abcdef',
      "+ iptables nat :CNI-0123456789abcdef -",
      "+ link cni0 mtu 1450",
      "+ link veth0123abcd master cni0 mtu 1450",
      "+ route table=100 dst=default gateway=172.30.1.1 dev=eth0",
      "+ route table=main dst=10.1.0.0/16 nexthops=192.0.2.7@eth0,172.30.0.12@eth0",
      "+ rule priority=32765 src=172.30.1.10 table=100",
      "+ sysctl net.ipv4.ip_forward=0",
    ]);
  });

  it("reports IPv6 addresses and routes in the lab's IPv6 networks, and ignores the host's", () => {
    const host = hostState({ lifetime: 3600, counters: "0:0", docker: false });
    const leaked: RawState = {
      ...host,
      addr: JSON.stringify([{ ifname: "eth0", mtu: 1500, addr_info: [{ family: "inet6", local: "2001:db8::5", prefixlen: 64, scope: "global" }, { family: "inet6", local: "fd29:5::10", prefixlen: 64, scope: "global" }] }]),
      routes: JSON.stringify([...JSON.parse(host.routes), { dst: "fd16:80::/64", gateway: "fd29:5::1", dev: "eth0", flags: [] }]),
    };
    expect(diffLines(stateLines(host, footprint), stateLines(leaked, footprint))).toEqual([
      "+ addr eth0 inet6 fd29:5::10/64 scope global",
      "+ route table=main dst=fd16:80::/64 gateway=fd29:5::1 dev=eth0",
    ]);
  });

  it("reads a real namespace: the lab's changes show up, another process's do not", () => {
    const netns = `mnt-${process.pid}-${randomBytes(2).toString("hex")}-state`;
    run("ip", ["netns", "add", netns]);
    try {
      const before = stateLines(readState(netns), labFootprint());
      // What a lab command run in the wrong namespace would leave…
      run("ip", ["-n", netns, "link", "add", "br0", "type", "bridge"]);
      run("ip", ["-n", netns, "link", "add", "other0", "type", "bridge"]);
      run("ip", ["-n", netns, "link", "set", "dev", "other0", "up"]);
      run("ip", ["-n", netns, "addr", "add", "172.30.1.99/24", "dev", "other0"]);
      run("ip", ["-n", netns, "route", "add", "default", "via", "172.30.1.1", "table", "100"]);
      run("ip", ["-n", netns, "rule", "add", "from", "172.30.1.99", "table", "100"]);
      runIn(netns, "iptables", ["-t", "nat", "-N", "CNI-test"]);
      runIn(netns, "iptables", ["-t", "nat", "-A", "CNI-test", "-j", "MASQUERADE"]);
      runIn(netns, "iptables", ["-t", "nat", "-A", "POSTROUTING", "-s", "172.30.1.99/32", "-j", "CNI-test"]);
      runIn(netns, "tee", ["/proc/sys/net/ipv4/ip_forward"], { input: "1" });
      // …and what another process would: its own address, route, rule and chain.
      run("ip", ["-n", netns, "addr", "add", "198.51.100.1/24", "dev", "other0"]);
      run("ip", ["-n", netns, "rule", "add", "from", "198.51.100.1", "table", "200"]);
      runIn(netns, "iptables", ["-t", "nat", "-N", "OTHER"]);
      runIn(netns, "iptables", ["-t", "nat", "-A", "POSTROUTING", "-s", "198.51.100.0/24", "-j", "OTHER"]);

      const diff = diffLines(before, stateLines(readState(netns), labFootprint()));
      expect(diff).toEqual(
        expect.arrayContaining([
          "- sysctl net.ipv4.ip_forward=0",
          "+ sysctl net.ipv4.ip_forward=1",
          "+ link br0 mtu 1500",
          "+ addr other0 inet 172.30.1.99/24 scope global",
          "+ iptables nat :CNI-test -",
          "+ iptables nat -A CNI-test -j MASQUERADE",
          "+ iptables nat -A POSTROUTING -s 172.30.1.99/32 -j CNI-test",
          expect.stringMatching(/^\+ route table=100 .*dst=default gateway=172\.30\.1\.1 /),
          expect.stringMatching(/^\+ route table=local .*dst=172\.30\.1\.99 /),
          expect.stringMatching(/^\+ route table=main .*dst=172\.30\.1\.0\/24 /),
          expect.stringMatching(/^\+ rule .*src=172\.30\.1\.99 table=100/),
        ]),
      );
      expect(diff.filter((line) => /198\.51\.100|OTHER|table=200|link other0/.test(line))).toEqual([]);
    } finally {
      run("ip", ["netns", "del", netns]);
    }
  });
});

describe("leftovers of crashed runs", () => {
  it("are removed only under the suite's temp parent", () => {
    const deadPid = spawnSync("true").pid!;
    const name = `mnt-${deadPid}-${randomBytes(2).toString("hex")}-state`;
    const inside = join(ensureTempParent(), name);
    const outside = join(tmpdir(), name);
    mkdirSync(inside);
    mkdirSync(outside);
    try {
      removeLeftovers();
      expect(existsSync(inside)).toBe(false);
      expect(existsSync(outside)).toBe(true);
    } finally {
      rmSync(inside, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
