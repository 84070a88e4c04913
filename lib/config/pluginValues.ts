/**
 * Value rules of the CNI plugin fields beyond names and addresses: MAC and PCI addresses, kernel
 * paths, VLAN IDs, sysctl keys, bit rates and CNI network names. Each is a small predicate with the
 * upstream rule it encodes cited, and a zod type that words "what is allowed".
 */
import { z } from "zod";

/** A unicast-or-not EUI-48 MAC as Go's net.ParseMAC reads the common form: six hex pairs, `:` or `-`. */
export function isMacAddress(text: string): boolean {
  return /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(text);
}

/** A PCI address `dddd:bb:dd.f`, the directory name host-device looks up under /sys/bus/pci/devices. */
export function isPciAddress(text: string): boolean {
  return /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(text);
}

/**
 * host-device refuses a kernelpath that is not absolute or not under /sys/devices/
 * (containernetworking/plugins v1.1.1 plugins/main/host-device/host-device.go:344-346).
 */
export function isKernelPath(text: string): boolean {
  return text.startsWith("/sys/devices/") && !text.split("/").includes("..") && text.length > "/sys/devices/".length;
}

/**
 * The vlan plugin accepts 0–4094 (plugins/main/vlan/vlan.go:58 at v1.1.1, :59 at v1.9.1; its message
 * says "4095 inclusive" but the check is `> 4094`).
 */
export const vlanId = z.number().int().min(0).max(4094);

/** Segments of a sysctl key in dotted form: letters, digits, `_` and `-` (so no `/`, `.` or `..` inside). */
const sysctlSegment = /^[A-Za-z0-9_-]+$/;

/**
 * Sysctls the tuning plugin may set in the pod: only below `net.` (v1.1.1 tuning.go:331 refuses any
 * other path; v1.9.1 tuning.go:639), and only those that exist per network namespace — the
 * per-interface `net.ipv{4,6}.{conf,neigh}.<ifname|IFNAME>.<key>` and the namespace-wide
 * `net.ipv4.*`, `net.ipv6.*`, `net.core.somaxconn`, `net.unix.*`, `net.netfilter.*`. `IFNAME` is
 * replaced by the pod's interface name (tuning.go:325 at v1.1.1). Segments are plain names: the
 * plugin turns every `.` into `/`, so a dot inside an interface name cannot be written.
 */
export function sysctlKeyProblem(key: string): string | undefined {
  const segments = key.split(".");
  if (segments[0] !== "net" || segments.length < 3) return "must start with net. and name a key below it, e.g. net.ipv4.conf.IFNAME.arp_notify";
  if (!segments.every((segment) => sysctlSegment.test(segment))) return "must be dotted names of letters, digits, '_' and '-' (no '/', no empty or '..' segments)";
  const [, family, group] = segments;
  if ((family === "ipv4" || family === "ipv6") && (group === "conf" || group === "neigh") && segments.length !== 5) {
    return `must be net.${family}.${group}.<interface or IFNAME>.<key>`;
  }
  const namespaced = family === "ipv4" || family === "ipv6" || family === "unix" || family === "netfilter" || key === "net.core.somaxconn";
  return namespaced ? undefined : "is not a per-namespace or per-interface sysctl; allowed: net.ipv4.*, net.ipv6.*, net.core.somaxconn, net.unix.*, net.netfilter.*";
}

export const macAddress = z.string().refine(isMacAddress, { message: "must be a MAC address such as 02:00:00:00:00:01" });
export const pciAddress = z.string().refine(isPciAddress, { message: "must be a PCI address such as 0000:3b:00.1" });
export const kernelPath = z.string().refine(isKernelPath, { message: "must be an absolute path below /sys/devices/ without '..'" });

/**
 * A bandwidth rate or burst in bits. The plugin divides both by 8 and needs a non-zero result
 * (bandwidth ifb_creator.go:121-128 refuses 0 and uses rate/8 as divisor); JSON numbers above 2^53
 * lose precision in this program, so that is the ceiling here.
 */
export const bits = z.number().int().min(8).max(Number.MAX_SAFE_INTEGER);

/**
 * A CNI network name: alphanumeric first, then alphanumerics, `_`, `.`, `-` (CNI spec "name"; the
 * same expression Multus applies at the pinned release, versions.ts: pkg/k8sclient/k8sclient.go:591).
 */
export const cniNetworkName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "must start with a letter or digit, then letters, digits, '_', '.' or '-'");
