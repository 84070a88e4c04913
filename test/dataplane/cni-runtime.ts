/**
 * Runs CNI configs on the reference plugins the way a container runtime (libcni) and Multus do: one
 * exec per plugin, the config on stdin, CNI_* in the environment, chained plugins fed the previous
 * result, CHECK and DEL fed the cached ADD result (CNI >= 0.4.0), DEL in reverse order, a failed
 * ADD rolled back with DEL. Plugins run inside the node's namespace (`ip netns exec`), so all "host
 * side" state lives there.
 *
 * The only changes made to a config on its way to a plugin are the ones the real stack makes too:
 * Multus names a single-plugin NAD after the NAD, the flannel plugin expands itself into a bridge
 * config (flannel-expansion.ts) — plus `ipam.dataDir`, which points host-local at the suite's temp
 * dir instead of /var/lib/cni.
 */
import { randomBytes } from "node:crypto";
import { attemptEach, withCleanupErrors } from "./cleanup";
import { spawn } from "./exec";
import { expandFlannel, parseSubnetEnv } from "./flannel-expansion";

export const cniBinDir = "/usr/lib/cni";

type Json = Record<string, unknown>;

/** Where plugins for one node run, and the node-local inputs they read. */
export interface CniHost {
  netns: string;
  /** What flanneld wrote to /run/flannel/subnet.env on this node. */
  subnetEnv: string;
  /** host-local's dataDir on this node (the lab shares one between its nodes). */
  ipamDataDir: string;
}

export interface PodRef {
  name: string;
  namespace: string;
  netns: string;
  containerId: string;
}

export interface Attachment {
  ifname: string;
  cniVersion: string;
  /** The per-plugin configs, in chain order, as the runtime hands them over. */
  plugins: Json[];
  result: Json;
}

function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (v: string) => v.split(".").map(Number);
  const [a, b] = [parts(version), parts(minimum)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** CHECK, and prevResult on DEL, came with CNI 0.4.0; 0.3.x has neither. */
export function supportsCheck(cniVersion: string): boolean {
  return versionAtLeast(cniVersion, "0.4.0");
}

export function newContainerId(): string {
  return randomBytes(32).toString("hex");
}

/**
 * Capability arguments a runtime passes: Multus passes a pod's `ips` from its networks annotation,
 * and the pod's hostPorts as `portMappings`.
 */
export interface CapabilityArgs {
  ips?: string[];
  portMappings?: Array<{ hostPort: number; containerPort: number; protocol: "tcp" | "udp" }>;
}

/** As libcni does: a plugin gets `runtimeConfig.<name>` for each capability it declares and the runtime has. */
function withRuntimeConfig(plugin: Json, args: CapabilityArgs): Json {
  const declared = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const runtimeConfig = Object.fromEntries(Object.entries(args).filter(([name]) => declared[name]));
  return Object.keys(runtimeConfig).length ? { ...plugin, runtimeConfig } : plugin;
}

/**
 * Splits a NAD's config into the per-plugin configs the runtime executes: a conflist's name and
 * cniVersion go into each plugin; a single plugin without a name gets the NAD's (as Multus does).
 */
function pluginConfigs(config: Json, nadName: string, args: CapabilityArgs): { cniVersion: string; plugins: Json[] } {
  const cniVersion = String(config.cniVersion);
  const plugins = Array.isArray(config.plugins)
    ? (config.plugins as Json[]).map((plugin) => ({ ...plugin, name: config.name, cniVersion }))
    : [{ ...config, name: config.name ?? nadName }];
  return { cniVersion, plugins: plugins.map((plugin) => withRuntimeConfig(plugin, args)) };
}

type Command = "ADD" | "CHECK" | "DEL";

/** Executes one plugin; returns its stdout JSON (empty object for CHECK/DEL). */
function execPlugin(host: CniHost, pod: PodRef, ifname: string, command: Command, conf: Json): Json {
  let plugin = conf;
  if (conf.type === "flannel") {
    if (command === "CHECK") return {}; // flannel's cmdCheck is a no-op
    plugin = expandFlannel(conf, parseSubnetEnv(host.subnetEnv));
  }
  const ipam = plugin.ipam as Json | undefined;
  if (ipam?.type === "host-local") plugin = { ...plugin, ipam: { ...ipam, dataDir: host.ipamDataDir } };

  const result = spawn("ip", ["netns", "exec", host.netns, `${cniBinDir}/${String(plugin.type)}`], {
    input: JSON.stringify(plugin),
    env: {
      PATH: process.env.PATH,
      CNI_COMMAND: command,
      CNI_CONTAINERID: pod.containerId,
      CNI_NETNS: `/run/netns/${pod.netns}`,
      CNI_IFNAME: ifname,
      CNI_PATH: cniBinDir,
      // What Multus passes; IgnoreUnknown lets plugins that parse CNI_ARGS skip the K8S_* keys.
      CNI_ARGS: `IgnoreUnknown=true;K8S_POD_NAMESPACE=${pod.namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
    },
  });
  if (result.status !== 0) {
    let message = result.stderr.trim() || result.stdout.trim();
    try {
      const error = JSON.parse(result.stdout) as { msg?: string; details?: string };
      message = [error.msg, error.details].filter(Boolean).join(": ");
    } catch {
      // not a CNI error object; keep the raw output
    }
    throw new Error(`${String(plugin.type)} ${command} ${ifname} in ${pod.netns}: ${message}`);
  }
  return result.stdout.trim() ? (JSON.parse(result.stdout) as Json) : {};
}

/**
 * ADD: each plugin in order, each after the first fed the previous one's result. When a plugin
 * fails, the ADD is rolled back as the runtime and Multus do (they DEL a network whose ADD failed):
 * DEL of that plugin and of every plugin before it, in reverse order, all attempted, with the last
 * result as prevResult (CNI >= 0.4.0). Then the ADD error is thrown, the DEL errors attached to it.
 */
export function cniAdd(host: CniHost, pod: PodRef, ifname: string, config: Json, nadName: string, args: CapabilityArgs = {}): Attachment {
  const { cniVersion, plugins } = pluginConfigs(config, nadName, args);
  let result: Json | undefined;
  for (const [index, plugin] of plugins.entries()) {
    try {
      result = execPlugin(host, pod, ifname, "ADD", result ? { ...plugin, prevResult: result } : plugin);
    } catch (error) {
      const prev = result && supportsCheck(cniVersion) ? { prevResult: result } : {};
      const ran = plugins.slice(0, index + 1).reverse();
      throw withCleanupErrors(error, attemptEach(ran, (p) => execPlugin(host, pod, ifname, "DEL", { ...p, ...prev })));
    }
  }
  return { ifname, cniVersion, plugins, result: result! };
}

export function cniCheck(host: CniHost, pod: PodRef, attachment: Attachment): void {
  if (!supportsCheck(attachment.cniVersion)) throw new Error(`CNI ${attachment.cniVersion} has no CHECK`);
  for (const plugin of attachment.plugins) execPlugin(host, pod, attachment.ifname, "CHECK", { ...plugin, prevResult: attachment.result });
}

/** DEL: plugins in reverse order, stopping at the first failure as libcni does. */
export function cniDel(host: CniHost, pod: PodRef, attachment: Attachment): void {
  const prev = supportsCheck(attachment.cniVersion) ? { prevResult: attachment.result } : {};
  for (const plugin of [...attachment.plugins].reverse()) execPlugin(host, pod, attachment.ifname, "DEL", { ...plugin, ...prev });
}
