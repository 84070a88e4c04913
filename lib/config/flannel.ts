/** `multinet:flannel`: flanneld as the attachment network's DaemonSet, and its backend. */
import { z } from "zod";
import { isIp, parseCidr } from "./cidr";
import { configKey } from "./errors";
import { maxUnavailableSchema, resourcesSchema, schedulingFields, timeoutSecondsSchema } from "./pods";
import { dnsLabel, imageRepository, systemNamespaces, ipAddress, isInterfaceName, mtu, networkCidr, port, regex, releaseTag, strict } from "./values";
import { imageRepositories, versions } from "./versions";

const vxlanBackendSchema = strict({
  type: z.literal("vxlan"),
  vni: z.number().int().min(1).max(16777215).default(1).meta({ description: "VXLAN network identifier, 1–16777215; the device is `flannel.<vni>`" }),
  port: port.default(8472).meta({ description: "UDP port (8472 is the Linux kernel's default)" }),
  directRouting: z.boolean().default(false).meta({ description: "route directly (like host-gw) between nodes on one subnet" }),
  gbp: z.boolean().default(false).meta({ description: "VXLAN group-based policy" }),
  mtu: mtu.optional().meta({ description: "576–9216; unset: flanneld derives it" }),
});

const hostGwBackendSchema = strict({ type: z.literal("host-gw") });

const wireguardBackendSchema = strict({
  type: z.literal("wireguard"),
  listenPort: port.default(51820).meta({ description: "UDP port" }),
  mtu: mtu.optional().meta({ description: "576–9216; unset: flanneld derives it" }),
  psk: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "must be a base64 WireGuard key (44 characters, as `wg genpsk` prints)").optional().meta({
    description: "pre-shared key (`wg genpsk`); set it with `pulumi config set --secret`. net-conf.json then lives in a Secret",
  }),
  persistentKeepaliveInterval: z.number().int().min(0).max(65535).optional().meta({ description: "seconds" }),
});

/**
 * TCP ports other agents listen on by default on every node's host network, where flanneld's health
 * server also listens: Kubernetes' defaults (kubernetes/kubernetes pkg/cluster/ports/ports.go) and
 * calico-node's Felix health port (projectcalico/calico felix/config/config_params.go:409).
 */
const nodeAgentPorts: ReadonlyMap<number, string> = new Map([
  [10248, "kubelet's healthz"], [10249, "kube-proxy's metrics"], [10250, "the kubelet"], [10256, "kube-proxy's healthz"],
  [10257, "kube-controller-manager's"], [10258, "cloud-controller-manager's"], [9099, "calico-node's health"],
]);

export const flannelSchema = strict({
  enabled: z.boolean().default(true).meta({ description: "deploy flanneld" }),
  namespace: dnsLabel.default("kube-flannel").meta({ description: "namespace of flanneld" }),
  createNamespace: z.boolean().optional().meta({
    description: "create the namespace (with Pod Security `privileged`) and delete it on destroy; unset: true, except for `default`, `kube-system`, `kube-public` and `kube-node-lease`, which multinet never creates. `false`: it must exist (the preflight checks) and is left alone",
  }),
  version: releaseTag.default(versions.flannel).meta({ description: "flanneld image tag" }),
  imageRepository: imageRepository.default(imageRepositories.flannel).meta({ description: "flanneld image repository" }),
  cniPluginVersion: releaseTag.default(versions.flannelCniPlugin).meta({ description: "tag of the image that installs the `flannel` CNI binary into /opt/cni/bin" }),
  cniPluginImageRepository: imageRepository.default(imageRepositories.flannelCniPlugin).meta({ description: "its repository" }),
  network: networkCidr.refine((text) => parseCidr(text)?.address.kind() !== "ipv6", {
    message: "must be an IPv4 CIDR (multinet runs Flannel for IPv4 only)",
  }).default("10.244.0.0/16").meta({
    description: "the Flannel network (IPv4); nodes get `subnetLen` slices of it from their `spec.podCIDR`, so it must contain every node's `spec.podCIDR`, and it must not overlap `calico.poolCidrs`",
  }),
  subnetLen: z.number().int().min(8).max(30).default(24).meta({
    description: "`SubnetLen` in net-conf.json; longer than the network's prefix, at most 30. With `--kube-subnet-mgr` flanneld uses each node's `spec.podCIDR` as it is, so keep this equal to kube-controller-manager's `--node-cidr-mask-size`",
  }),
  backend: z.discriminatedUnion("type", [vxlanBackendSchema, hostGwBackendSchema, wireguardBackendSchema])
    .prefault({ type: "vxlan" }).meta({ description: "`vxlan`, `host-gw` or `wireguard`" }),
  iface: z.array(z.string().refine((nic) => isInterfaceName(nic) || isIp(nic), {
    message: "must be a Linux interface name (1-15 characters without '/', ':' or white space) or an IP address",
  })).min(1).optional().meta({ description: "list of NIC names or addresses flanneld uses (`--iface`); unset: the default route's NIC" }),
  ifaceRegex: z.array(regex).min(1).optional().meta({ description: "list of regular expressions picking the NIC (`--iface-regex`)" }),
  ifaceCanReach: ipAddress.optional().meta({ description: "an address whose route picks the NIC (`--iface-can-reach`); at most one of `iface`, `ifaceRegex`, `ifaceCanReach`" }),
  ipMasq: z.boolean().default(true).meta({ description: "masquerade traffic leaving the Flannel network (`--ip-masq`)" }),
  // flannel-io/flannel at versions.flannel, Documentation/kube-flannel.yml:166, serves /healthz and /readyz on 8081.
  healthzPort: port.superRefine((value, ctx) => {
    const owner = nodeAgentPorts.get(value);
    if (owner) ctx.addIssue({ code: "custom", message: `is ${owner} port on every node; allowed: a port no other agent on the host network uses, not ${[...nodeAgentPorts.keys()].join(", ")}` });
  }).default(8081).meta({
    description: "TCP port of flanneld's `/healthz` and `/readyz` (`--healthz-port`), which the liveness and readiness probes call; flanneld runs on the host network, so no other process on the node may listen on it (the kubelet's, kube-proxy's and calico-node's default ports are refused)",
  }),
  resources: resourcesSchema("flanneld", { cpu: "100m", memory: "50Mi", memoryLimit: "256Mi" }),
  timeoutSeconds: timeoutSecondsSchema("the flanneld DaemonSet's rollout (every flanneld ready on every node it tolerates)"),
  maxUnavailable: maxUnavailableSchema,
  ...schedulingFields(
    [{ operator: "Exists", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute" }],
    " (as Multus's: a node that runs Multus but not flanneld fails every pod asking for flannel)",
  ),
}).superRefine((flannel, ctx) => {
  const network = parseCidr(flannel.network);
  if (network?.address.kind() === "ipv4" && flannel.subnetLen <= network.prefix) {
    ctx.addIssue({ code: "custom", path: ["subnetLen"], input: flannel.subnetLen, message: `is not longer than the prefix of ${configKey(["flannel", "network"])} "${flannel.network}"; allowed: ${network.prefix + 1} to 30` });
  }
  const nicKeys = (["iface", "ifaceRegex", "ifaceCanReach"] as const).filter((k) => flannel[k] !== undefined);
  if (nicKeys.length > 1) {
    ctx.addIssue({ code: "custom", path: [nicKeys[1]], message: `is set together with ${configKey(["flannel", nicKeys[0]])}; allowed: at most one of iface, ifaceRegex, ifaceCanReach` });
  }
  if (flannel.createNamespace === true && systemNamespaces.includes(flannel.namespace)) {
    ctx.addIssue({ code: "custom", path: ["createNamespace"], input: true, message: `but ${configKey(["flannel", "namespace"])} "${flannel.namespace}" belongs to Kubernetes; allowed: false (multinet never creates or deletes ${systemNamespaces.join(", ")})` });
  }
}).transform((flannel) => ({ ...flannel, createNamespace: flannel.createNamespace ?? !systemNamespaces.includes(flannel.namespace) }))
  .prefault({}).meta({ description: "flanneld, which gives every node a slice of the attachment network." });
