/**
 * whereabouts IPAM in NADs: what the NAD carries, and the config whereabouts v0.9.4 would misread,
 * refused with the key, the value and what is allowed. Each rule names the upstream code it encodes.
 */
import { describe, expect, it } from "vitest";
import { cniConfigFor } from "../lib/build/networks";
import { parseCniConfig, serializeCniConfig } from "../lib/build/cni";
import { whereaboutsObjects } from "../lib/build/whereabouts";
import { ipamOf, validateConfig, whereaboutsSchema, type TypedNetworkConfig } from "../lib/config";
import { whereaboutsAllocate } from "./helpers/whereaboutsModel";

/** A stack with whereabouts on and one macvlan NAD whose IPAM `ipam` extends a /24. */
function stack(ipam: Record<string, unknown>, extra: Record<string, unknown>[] = []): Record<string, any> {
  return {
    calico: { mode: "none", poolCidrs: [] },
    flannel: { enabled: false },
    whereabouts: { enabled: true },
    networks: [{ name: "data", type: "macvlan", master: "eth1", ipam: { type: "whereabouts", range: "10.50.0.0/24", ...ipam } }, ...extra],
    samplePod: { enabled: false },
  };
}

function errorsOf(values: Record<string, unknown>): string[] {
  const result = validateConfig(values);
  return result.ok ? [] : result.errors;
}

function network(values: Record<string, unknown>, i = 0): TypedNetworkConfig {
  const result = validateConfig(values);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  const network = result.config.networks[i];
  if (network.type === "raw") throw new Error("not a typed network");
  return network;
}

describe("a whereabouts NAD", () => {
  it("carries whereabouts' own keys, overlapping ranges written out, and round-trips through the CNI model", () => {
    const config = cniConfigFor(network(stack({ range_start: "10.50.0.10", range_end: "10.50.0.99", exclude: ["10.50.0.64/28", "10.50.0.70"], gateway: "10.50.0.1", network_name: "storage", routes: [{ dst: "10.60.0.0/16" }] })));
    expect(config).toEqual({
      cniVersion: "0.3.1",
      type: "macvlan",
      master: "eth1",
      mode: "bridge",
      ipam: {
        type: "whereabouts", range: "10.50.0.0/24", range_start: "10.50.0.10", range_end: "10.50.0.99",
        exclude: ["10.50.0.64/28", "10.50.0.70"], gateway: "10.50.0.1", routes: [{ dst: "10.60.0.0/16" }],
        network_name: "storage", enable_overlapping_ranges: true,
      },
    });
    const text = serializeCniConfig(config);
    expect(serializeCniConfig(parseCniConfig(text))).toBe(text);
  });

  it("takes IPv6 ranges", () => {
    expect(errorsOf(stack({ range: "fd00:50::/64", range_start: "fd00:50::10", gateway: "fd00:50::1" }))).toEqual([]);
  });

  it("leaves optional keys out and needs no ips from pods", () => {
    expect((cniConfigFor(network(stack({}))) as { ipam?: unknown }).ipam).toEqual({ type: "whereabouts", range: "10.50.0.0/24", enable_overlapping_ranges: true });
  });
});

describe("whereabouts config it would misread", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    // iphelpers.go:250-258 ignores a range_start outside the usable range.
    ["a range_start outside the range", { range_start: "10.50.1.5" }, /^multinet:networks\[0\]\.ipam\.range_start: "10\.50\.1\.5" is outside the range "10\.50\.0\.0\/24"; allowed: an address inside it$/],
    ["a range_start on the network address", { range_start: "10.50.0.0" }, /^multinet:networks\[0\]\.ipam\.range_start: "10\.50\.0\.0" is the network or broadcast address/],
    ["a range_end on the broadcast address", { range_end: "10.50.0.255" }, /^multinet:networks\[0\]\.ipam\.range_end: "10\.50\.0\.255" is the network or broadcast address/],
    // iphelpers.go:259-266 ignores a range_end before range_start.
    ["a range_end before range_start", { range_start: "10.50.0.100", range_end: "10.50.0.20" }, /^multinet:networks\[0\]\.ipam\.range_end: "10\.50\.0\.20" comes before range_start "10\.50\.0\.100"/],
    // allocate.go:114-129 never skips the gateway.
    ["a gateway it would hand out", { gateway: "10.50.0.1" }, /^multinet:networks\[0\]\.ipam\.gateway: "10\.50\.0\.1" lies between the first and last address whereabouts hands out and is not excluded/],
    ["a gateway outside the range", { gateway: "10.51.0.1" }, /^multinet:networks\[0\]\.ipam\.gateway: "10\.51\.0\.1" is outside the range/],
    ["an exclude outside the range", { exclude: ["10.51.0.0/28"] }, /^multinet:networks\[0\]\.ipam\.exclude\[0\]: "10\.51\.0\.0\/28" is outside the range "10\.50\.0\.0\/24" and excludes nothing/],
    ["an exclude that is no CIDR", { exclude: ["10.50.0"] }, /^multinet:networks\[0\]\.ipam\.exclude\[0\]: "10\.50\.0" must be a CIDR or an address/],
    // iphelpers.go:139-143: a /31 has no usable address.
    ["a range without usable addresses", { range: "10.50.0.0/31" }, /^multinet:networks\[0\]\.ipam\.range: "10\.50\.0\.0\/31" has no address whereabouts hands out.*at most \/30$/],
    ["a range with host bits", { range: "10.50.0.7/24" }, /^multinet:networks\[0\]\.ipam\.range: "10\.50\.0\.7\/24" must be a network address/],
    ["a network_name no object name can start with", { network_name: "Storage_Net" }, /^multinet:networks\[0\]\.ipam\.network_name: "Storage_Net" must be lower-case letters/],
    ["an unknown key", { rangeStart: "10.50.0.5" }, /^multinet:networks\[0\]\.ipam\.rangeStart: unknown key; allowed keys: type, range, range_start, range_end, exclude, gateway, routes, network_name, enable_overlapping_ranges$/],
  ];

  it.each(cases)("refuses %s", (_name, ipam, expected) => {
    expect(errorsOf(stack(ipam))).toEqual([expect.stringMatching(expected)]);
  });

  it("accepts a gateway that is excluded, or outside range_start..range_end", () => {
    expect(errorsOf(stack({ gateway: "10.50.0.1", exclude: ["10.50.0.0/29"] }))).toEqual([]);
    expect(errorsOf(stack({ gateway: "10.50.0.1", range_start: "10.50.0.2" }))).toEqual([]);
    expect(errorsOf(stack({ gateway: "10.50.0.254", range_end: "10.50.0.253" }))).toEqual([]);
  });

  it("is refused when whereabouts is not deployed", () => {
    expect(errorsOf({ ...stack({}), whereabouts: { enabled: false } })).toEqual([
      expect.stringMatching(/^multinet:networks\[0\]\.ipam\.type: "whereabouts" but multinet:whereabouts\.enabled is false; allowed: enable whereabouts, or host-local or static IPAM$/),
    ]);
  });

  it("stays out of Calico's pools and the Flannel network", () => {
    expect(errorsOf({ ...stack({ range: "10.244.3.0/24" }), flannel: { iface: ["eth1"] } })).toEqual([
      expect.stringMatching(/^multinet:networks\[0\]\.ipam\.range: "10\.244\.3\.0\/24" overlaps multinet:flannel\.network/),
    ]);
  });
});

describe("overlapping whereabouts ranges", () => {
  // On the same parent NIC, so only whereabouts' own rule applies (addressChecks.ts refuses overlaps across segments).
  const second = (ipam: Record<string, unknown>) => ({ name: "data2", type: "macvlan", master: "eth1", ipam: { type: "whereabouts", range: "10.50.0.128/25", ...ipam } });

  it("are refused in different pools that do not share reservations (ipam.go:106-122, 345-356)", () => {
    expect(errorsOf(stack({ network_name: "a" }, [second({ network_name: "b" })]))).toEqual([
      expect.stringMatching(/^multinet:networks\[1\]\.ipam\.range: "10\.50\.0\.128\/25" overlaps multinet:networks\[0\]\.ipam\.range "10\.50\.0\.0\/24" in another whereabouts pool/),
    ]);
    expect(errorsOf(stack({}, [second({ enable_overlapping_ranges: false })]))).toHaveLength(1);
  });

  it("are accepted in one pool, or with shared reservations under one network_name", () => {
    expect(errorsOf(stack({ network_name: "a" }, [second({ network_name: "a", range: "10.50.0.0/24" })]))).toEqual([]);
    expect(errorsOf(stack({ network_name: "a" }, [second({ network_name: "a" })]))).toEqual([]);
    expect(errorsOf(stack({}, [second({})]))).toEqual([]);
  });
});

describe("the whereabouts deployment", () => {
  const objects = whereaboutsObjects(whereaboutsSchema.parse({ enabled: true, version: "v0.9.5", imageRepository: "mirror.example.com/whereabouts", reconcilerSchedule: "*/15 * * * *", logLevel: "error" }));

  it("runs the pinned image in the DaemonSet and the reconciler", () => {
    expect(objects.daemonSet.spec.template.spec!.containers[0].image).toBe("mirror.example.com/whereabouts:v0.9.5");
    expect(objects.reconciler.spec.template.spec!.containers[0].image).toBe("mirror.example.com/whereabouts:v0.9.5");
  });

  it("passes the log level and the schedule", () => {
    expect(objects.daemonSet.spec.template.spec!.containers[0].args![1]).toMatch(/\/ip-control-loop -log-level error\n$/);
    expect(objects.reconciler.spec.template.spec!.containers[0].args).toEqual(["-log-level", "error"]);
    expect(objects.cronConfig.data).toEqual({ "cron-expression": "*/15 * * * *" });
  });

  it("refuses a schedule that is not five cron fields", () => {
    expect(whereaboutsSchema.safeParse({ reconcilerSchedule: "@daily" }).success).toBe(false);
    expect(whereaboutsSchema.safeParse({ reconcilerSchedule: "0 30 4 * * *" }).success).toBe(false);
  });
});

describe("the allocation model the data-plane suite uses (test/helpers/whereaboutsModel.ts)", () => {
  const ipam = (values: Record<string, unknown>) => {
    const ipam = ipamOf(network(stack(values)));
    if (ipam?.type !== "whereabouts") throw new Error("not whereabouts");
    return ipam;
  };

  it("hands out the first free address from range_start, skipping reserved and excluded ones", () => {
    const config = ipam({ range_start: "10.50.0.10", range_end: "10.50.0.13", exclude: ["10.50.0.11"], gateway: "10.50.0.1" });
    expect(whereaboutsAllocate(config, [])).toEqual({ address: "10.50.0.10/24", gateway: "10.50.0.1", routes: [] });
    expect(whereaboutsAllocate(config, ["10.50.0.10"]).address).toBe("10.50.0.12/24");
    expect(() => whereaboutsAllocate(config, ["10.50.0.10", "10.50.0.12", "10.50.0.13"])).toThrow(/no free address/);
  });

  it("starts after the network address without range_start, and works for IPv6", () => {
    expect(whereaboutsAllocate(ipam({}), []).address).toBe("10.50.0.1/24");
    expect(whereaboutsAllocate(ipam({ range: "fd00:50::/64", exclude: ["fd00:50::1"] }), []).address).toBe("fd00:50::2/64");
  });
});

describe("a whereabouts range and another IPAM", () => {
  it("may not share addresses: host-local and static know nothing of whereabouts' reservations", () => {
    expect(errorsOf(stack({}, [{ name: "hl", type: "macvlan", master: "eth1", ipam: { type: "host-local", ranges: [{ subnet: "10.50.0.0/25" }] } }]))).toEqual([
      expect.stringMatching(/^multinet:networks\[1\]\.ipam\.ranges\[0\]\.subnet: "10\.50\.0\.0\/25" overlaps the whereabouts range multinet:networks\[0\]\.ipam\.range "10\.50\.0\.0\/24", whose reservations host-local does not see/),
    ]);
    expect(errorsOf(stack({}, [{ name: "st", type: "macvlan", master: "eth1", ipam: { type: "static", addresses: [{ address: "10.50.0.9/24" }] } }]))).toHaveLength(1);
    expect(errorsOf(stack({}, [{ name: "st", type: "macvlan", master: "eth1", ipam: { type: "static", addresses: [{ address: "10.51.0.9/24" }] } }]))).toEqual([]);
  });
});
