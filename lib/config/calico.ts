/** `multinet:calico`: how calico-node is told which address is the node's (the autodetection pin). */
import { z } from "zod";
import { configKey } from "./errors";
import { timeoutSecondsSchema } from "./pods";
import { cidr, dnsLabel, networkCidr, regex, strict } from "./values";

/** How calico-node picks the node address; exactly one field is set. */
export const autodetectionSchema = strict({
  firstFound: z.literal(true).optional(),
  kubernetesInternalIP: z.literal(true).optional(),
  interface: regex.optional(),
  skipInterface: z.array(regex).min(1).optional(),
  canReach: z.string().min(1).optional(),
  cidrs: z.array(cidr).min(1).optional(),
}).superRefine((method, ctx) => {
  const set = Object.keys(method).filter((k) => method[k as keyof typeof method] !== undefined);
  if (set.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message: `must set exactly one of firstFound, kubernetesInternalIP, interface, skipInterface, canReach, cidrs (found ${set.length ? set.join(", ") : "none"})`,
    });
  }
});

export const calicoSchema = strict({
  mode: z.enum(["manifest", "operator", "none"]).default("manifest").meta({
    description: "`manifest`: server-side-apply patch of the `calico-node` DaemonSet's env; `operator`: patch of the Tigera Installation (the operator reverts DaemonSet edits); `none`: leave Calico alone",
  }),
  namespace: dnsLabel.default("kube-system").meta({ description: "namespace of the calico-node DaemonSet (manifest mode; `calico-system` on some installs)" }),
  daemonSetName: dnsLabel.default("calico-node").meta({ description: "DaemonSet to patch" }),
  containerName: dnsLabel.default("calico-node").meta({ description: "container whose env is patched" }),
  installationName: dnsLabel.default("default").meta({ description: "Installation to patch (operator mode)" }),
  ipv4Autodetection: autodetectionSchema.optional().meta({
    description: "required unless `mode: none` (or `ipv6Autodetection` is set): exactly one of `firstFound: true`, `kubernetesInternalIP: true`, `interface: <regex>`, `skipInterface: [<regex>…]`, `canReach: <address or host>`, `cidrs: [<cidr>…]`; rendered as `IP_AUTODETECTION_METHOD` (`interface=eth0`, …) or `nodeAddressAutodetectionV4`",
  }),
  ipv6Autodetection: autodetectionSchema.optional().meta({
    description: "the same for IPv6 (`IP6_AUTODETECTION_METHOD` plus `IP6=autodetect`, which calico-node needs to autodetect IPv6 at all; `nodeAddressAutodetectionV6`)",
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
