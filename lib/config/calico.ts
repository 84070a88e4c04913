/** `multinet:calico`: how calico-node is told which address is the node's (the autodetection pin). */
import { z } from "zod";
import { specialRangeOf } from "./addresses";
import { isIp, parseCidr } from "./cidr";
import { configKey } from "./errors";
import { isDnsSubdomain } from "./kubernetes";
import { timeoutSecondsSchema } from "./pods";
import { cidr, dnsLabel, networkCidr, regex, strict } from "./values";

/*
 * How calico-node reads IP_AUTODETECTION_METHOD / IP6_AUTODETECTION_METHOD (projectcalico/calico
 * v3.32.1, node/pkg/lifecycle/startup/autodetection/autodetection_methods.go): `interface=`,
 * `skip-interface=` and `cidr=` values are split on `\s*,\s*` (lines 49, 56, 75), so an element
 * cannot hold a comma; the interface regexes are joined as `(a)|(b)` and compiled with Go's
 * regexp.Compile (interfaces.go:56/62); each cidr goes through net.ParseCIDR (line 57) and only
 * addresses of the method's family match; `can-reach=` is one destination dialled as
 * JoinHostPort(dest, "80") over udp4/udp6 (reachaddr.go:32-34): an address of the family, or a
 * host name. A value it cannot use leaves the node without an address and calico-node exits, on
 * every node.
 */
const noComma = { message: "contains a comma; calico-node splits the method's value on commas, so it would become two patterns" };
const noEdgeSpace = { message: "starts or ends with white space, which calico-node keeps and no interface name matches" };
const autodetectionRegex = regex
  .refine((pattern) => !pattern.includes(","), noComma)
  .refine((pattern) => pattern.trim() === pattern, noEdgeSpace);

/** How calico-node picks the node address; exactly one field is set. */
function autodetectionSchema(family: "ipv4" | "ipv6") {
  const version = family === "ipv4" ? "IPv4" : "IPv6";
  const ofFamily = (text: string) => parseCidr(text)?.address.kind() === family;
  return strict({
    firstFound: z.literal(true).optional(),
    kubernetesInternalIP: z.literal(true).optional(),
    interface: autodetectionRegex.optional(),
    skipInterface: z.array(autodetectionRegex).min(1).optional(),
    canReach: z.string().min(1).superRefine((dest, ctx) => {
      if (isIp(dest)) {
        if (!ofFamily(`${dest}/${family === "ipv4" ? 32 : 128}`)) ctx.addIssue({ code: "custom", message: `is not an ${version} address; calico-node dials it over udp${family === "ipv4" ? 4 : 6}` });
      } else if (!isDnsSubdomain(dest.toLowerCase())) {
        ctx.addIssue({ code: "custom", message: `must be one ${version} address or host name (no port, no list)` });
      }
    }).optional(),
    cidrs: z.array(cidr.superRefine((text, ctx) => {
      if (!ofFamily(text)) ctx.addIssue({ code: "custom", message: `is not an ${version} CIDR; calico-node only matches ${version} addresses against it` });
      const parsed = parseCidr(text);
      if (parsed?.prefix === 0) ctx.addIssue({ code: "custom", message: "matches every address, loopback and container bridges included; allowed: the node network's CIDR" });
      else if (specialRangeOf(parsed)) ctx.addIssue({ code: "custom", message: `lies in the ${specialRangeOf(parsed)} range, where no node address is` });
    })).min(1).optional(),
  }).superRefine((method, ctx) => {
    const set = Object.keys(method).filter((k) => method[k as keyof typeof method] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `must set exactly one of firstFound, kubernetesInternalIP, interface, skipInterface, canReach, cidrs (found ${set.length ? set.join(", ") : "none"})`,
      });
    }
  });
}

export const calicoSchema = strict({
  mode: z.enum(["manifest", "operator", "none"]).default("manifest").meta({
    description: "`manifest`: server-side-apply patch of the `calico-node` DaemonSet's env; `operator`: patch of the Tigera Installation (the operator reverts DaemonSet edits); `none`: leave Calico alone",
  }),
  namespace: dnsLabel.default("kube-system").meta({ description: "namespace of the calico-node DaemonSet (manifest mode; `calico-system` on some installs)" }),
  daemonSetName: dnsLabel.default("calico-node").meta({ description: "DaemonSet to patch" }),
  containerName: dnsLabel.default("calico-node").meta({ description: "container whose env is patched" }),
  installationName: dnsLabel.default("default").meta({ description: "Installation to patch (operator mode)" }),
  ipv4Autodetection: autodetectionSchema("ipv4").optional().meta({
    description: "required unless `mode: none` (or `ipv6Autodetection` is set): exactly one of `firstFound: true`, `kubernetesInternalIP: true`, `interface: <regex>`, `skipInterface: [<regex>…]`, `canReach: <IPv4 address or host>`, `cidrs: [<IPv4 cidr>…]`; regexes are Go RE2 without commas; rendered as `IP_AUTODETECTION_METHOD` (`interface=eth0`, …) or `nodeAddressAutodetectionV4`",
  }),
  ipv6Autodetection: autodetectionSchema("ipv6").optional().meta({
    description: "the same for IPv6, with IPv6 addresses and CIDRs (`IP6_AUTODETECTION_METHOD` plus `IP6=autodetect`, which calico-node needs to autodetect IPv6 at all; `nodeAddressAutodetectionV6`)",
  }),
  timeoutSeconds: timeoutSecondsSchema("calico-node after the patch (manifest mode: its full rolling restart, node by node at calico's own maxUnavailable; raise it for large clusters)"),
  poolCidrs: z.array(networkCidr).default(["192.168.0.0/16"]).meta({ description: "Calico's IP pools; the Flannel network and NAD subnets must not overlap them" }),
  skipCniBinaries: z.array(z.string().regex(/^[\w][\w.-]*$/, "must be a file name in /opt/cni/bin (letters, digits, '_', '.', '-'; Calico reads the list comma-separated)"))
    .default(["flannel"]).meta({
      description: "manifest mode: binaries Calico's installer (the `install-cni` init container of calico-node) must not copy into /opt/cni/bin (`SKIP_CNI_BINARIES`), set in the same patch. `flannel` keeps the flannel DaemonSet's pinned plugin from being replaced by Calico's build at every calico-node start; `[]` leaves the init container alone (needed when calico-node has no `install-cni`)",
    }),
}).superRefine((calico, ctx) => {
  if (calico.mode !== "none" && !calico.ipv4Autodetection && !calico.ipv6Autodetection) {
    ctx.addIssue({ code: "custom", path: ["ipv4Autodetection"], message: `is required when ${configKey(["calico", "mode"])} is "${calico.mode}"; allowed: a method such as { interface: eth0 }, or mode none` });
  }
}).prefault({}).meta({ description: "The Calico autodetection pin: which address calico-node takes as the node's, so it never picks an attachment's." });
