/**
 * The stack config contract. One schema validates the `multinet:` keys of a stack file, fills in
 * every default and gives the types the rest of the program uses. Validation collects every problem
 * at once, each naming its config key, the bad value and what is allowed.
 */
import { z } from "zod";
import { cidrContains, cidrsOverlap, compareAddresses, isIp, isNetworkAddress, parseCidr, type Cidr } from "../net/cidr";
import { attachmentInterfaces, nadReference, podChoosesAddresses } from "./references";
import { floatingImageTag, imageRepositories, versions } from "./versions";

export * from "./references";

export const configNamespace = "multinet";

// ---------------------------------------------------------------------------------------------
// Value rules shared by several keys
// ---------------------------------------------------------------------------------------------

/**
 * Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', ':' or white space, not '.'/'..';
 * and no ',' or '@', which would break the short form of the pod networks annotation.
 */
export function isInterfaceName(name: string): boolean {
  return /^[^/:,@\s]{1,15}$/.test(name) && name !== "." && name !== "..";
}

/** RFC 1123 label: what Kubernetes accepts for NAD and namespace names. */
export function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 63;
}

/**
 * calico-node and flanneld use Go's RE2, so a valid pattern must parse here and avoid what RE2
 * lacks: lookarounds and backreferences.
 */
function isRegex(text: string): boolean {
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(text)) return false;
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * An image reference with a release tag (not empty, invalid or floating such as latest), or a
 * digest; the same rule as the policy pack's imageTagProblem.
 */
export function imageProblem(image: string): string | undefined {
  const at = image.indexOf("@");
  const name = at < 0 ? image : image.slice(0, at);
  const colon = name.indexOf(":", name.lastIndexOf("/") + 1);
  const tag = colon < 0 ? undefined : name.slice(colon + 1);
  if (tag === "") return "has an empty tag; pin a release tag or a digest";
  if (tag !== undefined && !/^\w[\w.-]{0,127}$/.test(tag)) return `has an invalid tag '${tag}'`;
  if (at >= 0) return /@sha256:[0-9a-f]{64}$/.test(image) ? undefined : "has an invalid digest; expected @sha256:<64 hex digits>";
  if (tag === undefined) return "has no tag; pin a release tag or a digest";
  if (floatingImageTag.test(tag)) return `is tagged '${tag}', a floating tag; pin a release tag or a digest`;
  return undefined;
}

/** A strict object whose "unknown key" error lists the keys it allows (typos must not be ignored). */
function strict<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `allowed keys: ${Object.keys(shape).join(", ")}` : undefined),
  });
}

const interfaceName = z.string().refine(isInterfaceName, {
  message: "must be a Linux interface name: 1-15 characters without '/', ':' or white space",
});
const dnsLabel = z.string().refine(isDnsLabel, {
  message: "must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters",
});
const regex = z.string().min(1).refine(isRegex, { message: "must be a valid RE2 regular expression (no lookarounds or backreferences)" });
const ipAddress = z.string().refine(isIp, { message: "must be an IPv4 or IPv6 address" });
const cidr = z.string().refine((text) => parseCidr(text) !== undefined, {
  message: "must be a CIDR such as 10.244.0.0/16",
});
const networkCidr = cidr.refine((text) => { const c = parseCidr(text); return !c || isNetworkAddress(c); }, {
  message: "must be a network address (no host bits set), e.g. 10.244.0.0/16",
});
const port = z.number().int().min(1).max(65535);
const mtu = z.number().int().min(576).max(9216);
/** A release tag such as v1.2.3, optionally with a suffix (-thick, -flannel1); never `latest`/`snapshot`. */
const releaseTag = z.string().refine((tag) => /^v\d+\.\d+\.\d+([-.][\w.-]+)?$/.test(tag) && !/snapshot/.test(tag), {
  message: "must be a release tag such as v1.2.3 (not latest or snapshot)",
});
const imageRepository = z.string().refine((repo) => /^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/.test(repo) && !/:[^/]*$/.test(repo.replace(/^[^/]*\//, "")), {
  message: "must be a lower-case image repository without tag, e.g. registry.example.com/multus-cni",
});
const image = z.string().superRefine((value, ctx) => {
  const problem = imageProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const quantityPattern = /^(\d+(?:\.\d+)?)(m|k|Ki|Mi|Gi|M|G)?$/;
const quantity = z.string().regex(quantityPattern, "must be a Kubernetes quantity such as 100m or 128Mi");
const quantityUnits: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** The value of a quantity that matched `quantityPattern` (cores or bytes). */
export function quantityValue(text: string): number {
  const [, number, unit = ""] = quantityPattern.exec(text)!;
  return Number(number) * quantityUnits[unit];
}

const resourcesSchema = (defaults: { cpu: string; memory: string; memoryLimit: string }) =>
  strict({
    requests: strict({
      cpu: quantity.default(defaults.cpu),
      memory: quantity.default(defaults.memory),
    }).prefault({}),
    limits: strict({
      cpu: quantity.optional(),
      memory: quantity.default(defaults.memoryLimit),
    }).prefault({}),
  }).superRefine(({ requests, limits }, ctx) => {
    // Kubernetes rejects a pod whose request exceeds its limit; say so before it is created.
    for (const resource of ["cpu", "memory"] as const) {
      const limit = limits[resource];
      if (limit !== undefined && quantityValue(requests[resource]) > quantityValue(limit)) {
        ctx.addIssue({ code: "custom", path: ["requests", resource], message: `is more than limits.${resource} "${limit}"; allowed: at most the limit` });
      }
    }
  }).prefault({});

const tolerationSchema = strict({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

const schedulingFields = (defaultTolerations: z.infer<typeof tolerationSchema>[]) => ({
  /** Tolerations of the DaemonSet's pods. */
  tolerations: z.array(tolerationSchema).default(defaultTolerations),
  /** Node selector of the DaemonSet's pods. */
  nodeSelector: z.record(z.string(), z.string()).default({ "kubernetes.io/os": "linux" }),
  /** Priority class of the DaemonSet's pods. */
  priorityClassName: z.string().default("system-node-critical"),
});

// ---------------------------------------------------------------------------------------------
// multinet:multus
// ---------------------------------------------------------------------------------------------

export const multusSchema = strict({
  /** thick (daemon + shim, the default) or thin (the binary does everything). */
  mode: z.enum(["thick", "thin"]).default("thick"),
  namespace: dnsLabel.default("kube-system"),
  version: releaseTag.default(versions.multus),
  imageRepository: imageRepository.default(imageRepositories.multus),
  /**
   * The CNI config file in /etc/cni/net.d that stays the pods' primary network. Pinned so that
   * Multus never picks the alphabetically first file (which could be Flannel's) at boot.
   */
  primaryCniConfig: z.string().regex(/^[\w.-]+\.(conf|conflist|json)$/, "must be a file name ending in .conf, .conflist or .json").default("10-calico.conflist"),
  /** CNI version Multus speaks to its delegates; keep it equal to the NADs' to avoid mismatches. */
  cniVersion: z.enum(["0.3.0", "0.3.1", "0.4.0", "1.0.0"]).default("0.3.1"),
  logLevel: z.enum(["debug", "verbose", "error", "panic"]).default("verbose"),
  /** Upstream's 50Mi limit OOMs under pod-creation bursts; 300Mi leaves headroom. */
  resources: resourcesSchema({ cpu: "100m", memory: "100Mi", memoryLimit: "300Mi" }),
  ...schedulingFields([
    { operator: "Exists", effect: "NoSchedule" },
    { operator: "Exists", effect: "NoExecute" },
  ]),
}).prefault({});

// ---------------------------------------------------------------------------------------------
// multinet:flannel
// ---------------------------------------------------------------------------------------------

const vxlanBackendSchema = strict({
  type: z.literal("vxlan"),
  /** VXLAN network identifier; the device is flannel.<vni>. */
  vni: z.number().int().min(1).max(16777215).default(1),
  /** UDP port; 8472 is the Linux kernel's default. */
  port: port.default(8472),
  /** Route directly (like host-gw) between nodes on the same subnet. */
  directRouting: z.boolean().default(false),
  gbp: z.boolean().default(false),
  mtu: mtu.optional(),
});

const hostGwBackendSchema = strict({ type: z.literal("host-gw") });

const wireguardBackendSchema = strict({
  type: z.literal("wireguard"),
  listenPort: port.default(51820),
  mtu: mtu.optional(),
  /** Pre-shared key (base64, 32 bytes); keep it a secret config value. */
  psk: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "must be a base64 WireGuard key (44 characters, as `wg genpsk` prints)").optional(),
  persistentKeepaliveInterval: z.number().int().min(0).max(65535).optional(),
});

export const flannelSchema = strict({
  enabled: z.boolean().default(true),
  namespace: dnsLabel.default("kube-flannel"),
  version: releaseTag.default(versions.flannel),
  imageRepository: imageRepository.default(imageRepositories.flannel),
  cniPluginVersion: releaseTag.default(versions.flannelCniPlugin),
  cniPluginImageRepository: imageRepository.default(imageRepositories.flannelCniPlugin),
  /** The attachment network; nodes get `subnetLen` slices of it from their spec.podCIDR. */
  network: networkCidr.refine((text) => parseCidr(text)?.address.kind() !== "ipv6", {
    message: "must be an IPv4 CIDR (multinet runs Flannel for IPv4 only)",
  }).default("10.244.0.0/16"),
  subnetLen: z.number().int().min(8).max(30).default(24),
  backend: z.discriminatedUnion("type", [vxlanBackendSchema, hostGwBackendSchema, wireguardBackendSchema])
    .prefault({ type: "vxlan" }),
  /** NIC(s) flanneld uses, by name or address (`--iface`). At most one of iface, ifaceRegex, ifaceCanReach. */
  iface: z.array(z.string().refine((nic) => isInterfaceName(nic) || isIp(nic), {
    message: "must be a Linux interface name (1-15 characters without '/', ':' or white space) or an IP address",
  })).min(1).optional(),
  /** NIC(s) by regular expression (`--iface-regex`). */
  ifaceRegex: z.array(regex).min(1).optional(),
  /** The NIC whose route reaches this address (`--iface-can-reach`). */
  ifaceCanReach: ipAddress.optional(),
  /** Masquerade traffic leaving the Flannel network (`--ip-masq`). */
  ipMasq: z.boolean().default(true),
  resources: resourcesSchema({ cpu: "100m", memory: "50Mi", memoryLimit: "256Mi" }),
  // Like Multus: a node that runs Multus but not flanneld fails every pod asking for flannel.
  ...schedulingFields([{ operator: "Exists", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute" }]),
}).superRefine((flannel, ctx) => {
  const network = parseCidr(flannel.network);
  if (network?.address.kind() === "ipv4" && flannel.subnetLen <= network.prefix) {
    ctx.addIssue({ code: "custom", path: ["subnetLen"], input: flannel.subnetLen, message: `is not longer than the prefix of ${configKey(["flannel", "network"])} "${flannel.network}"; allowed: ${network.prefix + 1} to 30` });
  }
  const nicKeys = (["iface", "ifaceRegex", "ifaceCanReach"] as const).filter((k) => flannel[k] !== undefined);
  if (nicKeys.length > 1) {
    ctx.addIssue({ code: "custom", path: [nicKeys[1]], message: `is set together with ${configKey(["flannel", nicKeys[0]])}; allowed: at most one of iface, ifaceRegex, ifaceCanReach` });
  }
}).prefault({});

// ---------------------------------------------------------------------------------------------
// multinet:calico
// ---------------------------------------------------------------------------------------------

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
  /** manifest: patch the calico-node DaemonSet; operator: patch Installation `default`; none: leave Calico alone. */
  mode: z.enum(["manifest", "operator", "none"]).default("manifest"),
  namespace: dnsLabel.default("kube-system"),
  daemonSetName: dnsLabel.default("calico-node"),
  containerName: dnsLabel.default("calico-node"),
  installationName: dnsLabel.default("default"),
  ipv4Autodetection: autodetectionSchema.optional(),
  ipv6Autodetection: autodetectionSchema.optional(),
  /** Calico IP pool CIDRs; the Flannel network and NAD subnets must not overlap them. */
  poolCidrs: z.array(networkCidr).default(["192.168.0.0/16"]),
}).superRefine((calico, ctx) => {
  if (calico.mode !== "none" && !calico.ipv4Autodetection && !calico.ipv6Autodetection) {
    ctx.addIssue({ code: "custom", path: ["ipv4Autodetection"], message: `is required when ${configKey(["calico", "mode"])} is "${calico.mode}"; allowed: a method such as { interface: eth0 }, or mode none` });
  }
}).prefault({});

// ---------------------------------------------------------------------------------------------
// multinet:networks
// ---------------------------------------------------------------------------------------------

const routeConfigSchema = strict({ dst: cidr, gw: ipAddress.optional() });

const hostLocalIpamConfigSchema = strict({
  type: z.literal("host-local"),
  /** Each range becomes its own range set, so a pod gets one address per range (e.g. IPv4 + IPv6). */
  ranges: z.array(strict({
    subnet: networkCidr,
    rangeStart: ipAddress.optional(),
    rangeEnd: ipAddress.optional(),
    gateway: ipAddress.optional(),
  })).min(1),
  routes: z.array(routeConfigSchema).default([]),
});

const staticIpamConfigSchema = strict({
  type: z.literal("static"),
  /**
   * Fixed addresses, for a NAD one pod uses. Without them each pod names its own address in the
   * networks annotation (`ips`): the way to give pods on a shared segment unique addresses, which
   * host-local (one pool per node) cannot.
   */
  addresses: z.array(strict({ address: cidr, gateway: ipAddress.optional() })).min(1).optional(),
  routes: z.array(routeConfigSchema).default([]),
});

const ipamConfigSchema = z.discriminatedUnion("type", [hostLocalIpamConfigSchema, staticIpamConfigSchema]);

const networkCommon = {
  /** NAD name: what pods list in k8s.v1.cni.cncf.io/networks. */
  name: dnsLabel,
  namespace: dnsLabel.default("default"),
  cniVersion: z.enum(["0.3.0", "0.3.1", "0.4.0", "1.0.0"]).default("0.3.1"),
  /** Chain the sbr plugin so replies leave through this interface, not the default route. */
  sourceBasedRouting: z.boolean().default(false),
};

const flannelNetworkSchema = strict({
  ...networkCommon,
  type: z.literal("flannel"),
  /** Bridge options passed through to the bridge the flannel plugin delegates to. */
  delegate: strict({
    hairpinMode: z.boolean().optional(),
    isDefaultGateway: z.boolean().optional(),
  }).optional(),
});

const macvlanNetworkSchema = strict({
  ...networkCommon,
  type: z.literal("macvlan"),
  master: interfaceName,
  mode: z.enum(["bridge", "private", "vepa", "passthru"]).default("bridge"),
  mtu: mtu.optional(),
  ipam: ipamConfigSchema,
});

const bridgeNetworkSchema = strict({
  ...networkCommon,
  type: z.literal("bridge"),
  bridge: interfaceName,
  isGateway: z.boolean().default(false),
  ipMasq: z.boolean().default(false),
  hairpinMode: z.boolean().default(false),
  mtu: mtu.optional(),
  ipam: ipamConfigSchema,
});

export const networkSchema = z.discriminatedUnion("type", [flannelNetworkSchema, macvlanNetworkSchema, bridgeNetworkSchema]);

// ---------------------------------------------------------------------------------------------
// multinet:samplePod
// ---------------------------------------------------------------------------------------------

export const samplePodSchema = strict({
  enabled: z.boolean().default(true),
  name: dnsLabel.default("multinet-sample"),
  namespace: dnsLabel.default("default"),
  image: image.default(versions.samplePodImage),
  /** The attachments requested, in order: net1, net2, … unless `interface` is given. */
  networks: z.array(strict({
    name: dnsLabel,
    /** Namespace of the NAD; defaults to the pod's namespace. */
    namespace: dnsLabel.optional(),
    interface: interfaceName.optional(),
    /** Addresses (CIDRs) for a static-IPAM NAD without fixed addresses. */
    ips: z.array(cidr).min(1).optional(),
  })).default([]),
  resources: resourcesSchema({ cpu: "10m", memory: "32Mi", memoryLimit: "64Mi" }),
}).prefault({});

// ---------------------------------------------------------------------------------------------
// multinet:verification
// ---------------------------------------------------------------------------------------------

export const verificationSchema = strict({
  /** After the sample pod, check the deployed setup from the cluster's side (scripts/verify.ts). */
  enabled: z.boolean().default(true),
  /**
   * Fail `pulumi up` when a check fails or the checks cannot run; false only records that (findings
   * or the error) in the stack output.
   */
  failOnError: z.boolean().default(true),
  /** Longest wait for rollouts, the sample pod and the peer pod before their checks count as failed. */
  timeoutSeconds: z.number().int().min(10).max(3600).default(300),
  /**
   * Ping the sample pod over each flannel attachment from a temporary peer pod on another node (each
   * node leases its own flannel subnet, so a reply proves a packet crossed nodes). Other attachments
   * are skipped: host-local IPAM hands out the same addresses on every node, static addresses would
   * clash, bridges are node-local. Off by default: it creates (and deletes) a pod.
   */
  ping: strict({
    enabled: z.boolean().default(false),
    /** Peer pod image; it needs `ping` and `sleep` (busybox has both). */
    image: image.default(versions.pingPeerImage),
  }).prefault({}),
  /** Before anything changes, check nodes' podCIDRs, the live Calico pools and Calico's install mode. */
  preflight: strict({
    enabled: z.boolean().default(true),
  }).prefault({}),
}).prefault({});

// ---------------------------------------------------------------------------------------------
// The whole stack
// ---------------------------------------------------------------------------------------------

export const stackConfigSchema = strict({
  multus: multusSchema,
  flannel: flannelSchema,
  calico: calicoSchema,
  networks: z.array(networkSchema).default([]),
  samplePod: samplePodSchema,
  verification: verificationSchema,
});

export type StackConfig = z.output<typeof stackConfigSchema>;
export type MultusConfig = StackConfig["multus"];
export type FlannelConfig = StackConfig["flannel"];
export type FlannelBackend = FlannelConfig["backend"];
export type CalicoConfig = StackConfig["calico"];
export type AutodetectionMethod = NonNullable<CalicoConfig["ipv4Autodetection"]>;
export type NetworkConfig = StackConfig["networks"][number];
export type IpamConfig = Extract<NetworkConfig, { ipam: unknown }>["ipam"];
export type SamplePodConfig = StackConfig["samplePod"];
export type ResourcesConfig = MultusConfig["resources"];

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

type Path = readonly PropertyKey[];

/** `multinet:flannel.backend.vni`, `multinet:networks[1].ipam.ranges[0].subnet`. */
export function configKey(path: Path): string {
  let key = configNamespace;
  path.forEach((segment, index) => {
    if (typeof segment === "number") key += `[${segment}]`;
    else key += `${index === 0 ? ":" : "."}${String(segment)}`;
  });
  return key;
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown, prefix: Path): string[] {
  const path = [...prefix, ...issue.path];
  // A default filled in by the schema is not in the input; checks on it pass it as the issue's input.
  const value = valueAt(input, path) ?? (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => `${configKey([...path, k])}: unknown key; ${issue.message}`);
    case "invalid_type":
      return [`${configKey(path)}: ${show(value)} is not valid; expected ${issue.expected}`];
    case "too_big":
    case "too_small": {
      const big = issue.code === "too_big";
      const size = issue.origin === "array" ? (big ? "long" : "short") : (big ? "large" : "small");
      const unit = issue.origin === "array" ? " entries" : issue.origin === "string" ? " characters" : "";
      const limit = big ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
      return [`${configKey(path)}: ${show(value)} is too ${size}; allowed: ${limit}${unit}`];
    }
    case "invalid_value":
      return [`${configKey(path)}: ${show(value)} is not allowed; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`];
    case "invalid_union": {
      const options = (issue as { options?: unknown[] }).options;
      if (options) return [`${configKey(path)}: ${show(value)} is not allowed; allowed: ${options.map((v) => JSON.stringify(v)).join(", ")}`];
      return [`${configKey(path)}: ${show(value)} ${issue.message}`];
    }
    default:
      return [`${configKey(path)}: ${show(value)} ${issue.message}`];
  }
}

/**
 * Checks that span several keys. Each runs when the sections it reads passed the schema, so one
 * bad section does not hide the problems of the others.
 */
function crossFieldProblems({ flannel, calico, networks, samplePod }: Partial<StackConfig>): string[] {
  const problems: string[] = [];
  const pools = (calico?.poolCidrs ?? []).map((text) => parseCidr(text)!);
  const flannelNetwork = flannel?.enabled ? parseCidr(flannel.network)! : undefined;

  const overlapWithPools = (candidate: Cidr, key: string) => {
    for (const [i, pool] of pools.entries()) {
      if (cidrsOverlap(candidate, pool)) {
        problems.push(`${key}: "${candidate.text}" overlaps the Calico pool ${configKey(["calico", "poolCidrs", i])} "${pool.text}"; pods would get duplicate addresses. Allowed: a range outside every Calico pool`);
      }
    }
  };

  if (flannelNetwork) overlapWithPools(flannelNetwork, configKey(["flannel", "network"]));

  /** An attachment's addresses must stay out of Calico's pools and the Flannel network. */
  const outsideOtherNetworks = (candidate: Cidr, key: string) => {
    overlapWithPools(candidate, key);
    if (flannelNetwork && cidrsOverlap(candidate, flannelNetwork)) {
      problems.push(`${key}: "${candidate.text}" overlaps ${configKey(["flannel", "network"])} "${flannelNetwork.text}"; allowed: a subnet outside the Flannel network`);
    }
  };

  const defined = new Map<string, number>();
  networks?.forEach((network, i) => {
    const id = `${network.namespace}/${network.name}`;
    const first = defined.get(id);
    if (first !== undefined) {
      problems.push(`${configKey(["networks", i, "name"])}: "${network.name}" is already used by ${configKey(["networks", first])} in namespace "${network.namespace}"; allowed: NAD names unique per namespace`);
    } else {
      defined.set(id, i);
    }
    if (network.type === "flannel") {
      const firstFlannel = networks.findIndex((n) => n.type === "flannel");
      if (firstFlannel < i) {
        problems.push(`${configKey(["networks", i, "type"])}: "flannel" is already the type of ${configKey(["networks", firstFlannel])}; allowed: one flannel network (two would share the node's cni0 bridge and FLANNEL_SUBNET and hand out the same addresses); pods in other namespaces can reference it as <namespace>/<name>`);
      }
      if (flannel && !flannel.enabled) {
        problems.push(`${configKey(["networks", i, "type"])}: "flannel" but ${configKey(["flannel", "enabled"])} is false; allowed: enable flannel or use another network type`);
      }
      return;
    }
    if (network.ipam.type === "static") {
      network.ipam.addresses?.forEach((address, a) =>
        outsideOtherNetworks(parseCidr(address.address)!, configKey(["networks", i, "ipam", "addresses", a, "address"])));
      return;
    }
    network.ipam.ranges.forEach((range, r) => {
      const subnet = parseCidr(range.subnet)!;
      const rangeKey = ["networks", i, "ipam", "ranges", r];
      outsideOtherNetworks(subnet, configKey([...rangeKey, "subnet"]));
      for (const field of ["rangeStart", "rangeEnd", "gateway"] as const) {
        const address = range[field];
        if (address !== undefined && !cidrContains(subnet, address)) {
          problems.push(`${configKey([...rangeKey, field])}: "${address}" is outside the subnet "${subnet.text}"; allowed: an address inside it`);
        }
      }
      if (range.rangeStart && range.rangeEnd && compareAddresses(range.rangeStart, range.rangeEnd) > 0) {
        problems.push(`${configKey([...rangeKey, "rangeEnd"])}: "${range.rangeEnd}" comes before rangeStart "${range.rangeStart}"; allowed: an address at or after rangeStart`);
      }
    });
  });

  if (samplePod?.enabled) {
    if (samplePod.networks.length === 0) {
      problems.push(`${configKey(["samplePod", "networks"])}: [] but ${configKey(["samplePod", "enabled"])} is true; allowed: at least one NAD name from multinet:networks`);
    }
    const interfaces = new Set<string>();
    samplePod.networks.forEach((ref, i) => {
      const reference = nadReference(ref, samplePod.namespace);
      if (networks && !defined.has(reference)) {
        problems.push(`${configKey(["samplePod", "networks", i, "name"])}: "${ref.name}" (namespace "${reference.split("/")[0]}") is not defined in multinet:networks; allowed: ${defined.size ? [...defined.keys()].join(", ") : "none (multinet:networks is empty)"}`);
      }
      const target = networks?.[defined.get(reference) ?? -1];
      const podChosen = target !== undefined && podChoosesAddresses(target);
      if (podChosen && !ref.ips) {
        problems.push(`${configKey(["samplePod", "networks", i, "ips"])}: (not set) but ${configKey(["networks", defined.get(reference)!, "ipam"])} is static without addresses; allowed: the pod's own addresses, e.g. [10.50.1.5/22]`);
      }
      if (target !== undefined && !podChosen && ref.ips) {
        problems.push(`${configKey(["samplePod", "networks", i, "ips"])}: ${JSON.stringify(ref.ips)} but NAD ${reference} assigns addresses itself; allowed: ips only for a static-IPAM NAD without addresses`);
      }
      ref.ips?.forEach((ip, k) => outsideOtherNetworks(parseCidr(ip)!, configKey(["samplePod", "networks", i, "ips", k])));
      const ifname = attachmentInterfaces(samplePod.networks)[i];
      if (ifname === "eth0" || interfaces.has(ifname)) {
        problems.push(`${configKey(["samplePod", "networks", i, "interface"])}: "${ifname}" is already taken in the pod; allowed: a unique name other than eth0`);
      }
      interfaces.add(ifname);
    });
  }
  return problems;
}

export type ConfigResult = { ok: true; config: StackConfig } | { ok: false; errors: string[] };

/** Validates raw `multinet:` values (already parsed from JSON) and fills defaults. */
export function validateConfig(input: Record<string, unknown>): ConfigResult {
  const sectionSchemas = stackConfigSchema.shape;
  const sectionNames = Object.keys(sectionSchemas) as Array<keyof StackConfig>;
  const errors = Object.keys(input)
    .filter((key) => !(sectionNames as string[]).includes(key))
    .map((key) => `${configKey([key])}: unknown key; allowed keys: ${sectionNames.join(", ")}`);
  const sections: Partial<Record<keyof StackConfig, unknown>> = {};
  for (const name of sectionNames) {
    const parsed = sectionSchemas[name].safeParse(input[name]);
    if (parsed.success) sections[name] = parsed.data;
    else errors.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, input, [name])));
  }
  errors.push(...crossFieldProblems(sections as Partial<StackConfig>));
  return errors.length ? { ok: false, errors } : { ok: true, config: sections as StackConfig };
}

/**
 * Picks the `multinet:` keys out of a Pulumi config map (`{"multinet:flannel": "<json>"}`, as the
 * engine hands it to the program) and parses structured values the way `Config.getObject` does.
 */
export function multinetValues(allConfig: Record<string, string>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [fullKey, raw] of Object.entries(allConfig)) {
    const match = /^([^:]+):(?:config:)?(.+)$/.exec(fullKey);
    if (!match || match[1] !== configNamespace) continue;
    try {
      values[match[2]] = JSON.parse(raw);
    } catch {
      values[match[2]] = raw;
    }
  }
  return values;
}

/**
 * Validates one section on its own, for components used outside index.ts; cross-section checks
 * need the whole stack and run in `validateConfig`.
 */
export function validateSection<S extends z.ZodType>(key: Path, schema: S, value: unknown):
  { ok: true; value: z.output<S> } | { ok: false; errors: string[] } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const input = key.reduceRight<unknown>((inner, segment) => (typeof segment === "number" ? Object.assign([], { [segment]: inner }) : { [segment]: inner }), value);
  return { ok: false, errors: parsed.error.issues.flatMap((issue) => describeIssue(issue, input, key)) };
}

/** Formats validation errors as one message, one error a line. */
export function formatConfigErrors(errors: string[]): string {
  return `multinet: the stack config has ${errors.length} error${errors.length === 1 ? "" : "s"}:\n${errors.map((e) => `  - ${e}`).join("\n")}`;
}
