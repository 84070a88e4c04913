/**
 * A `raw` network's `config`: any CNI config or conflist, checked as far as CNI and Multus go and no
 * further. What each plugin does with its own keys is the plugin's business; the docs say so.
 */
import { z } from "zod";
import { cniNetworkName } from "./pluginValues";
import { cniVersion } from "./values";

/**
 * 64 KiB of compact JSON. The NAD lands in etcd (1.5 MiB per request by default) and, applied with
 * client-side `kubectl apply` (docs/render.md), whole in the `kubectl.kubernetes.io/last-applied-configuration`
 * annotation, where JSON escaping can double it and all annotations together may hold 256 KiB
 * (kubernetes apimachinery pkg/api/validation/objectmeta.go, TotalAnnotationSizeLimitB).
 */
export const rawConfigByteLimit = 64 * 1024;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** Where the value is not JSON (a non-finite number; stack files parsed from JSON cannot hold more). */
function nonJsonPath(value: unknown, path: string): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (Array.isArray(value)) return value.map((item, i) => nonJsonPath(item, `${path}[${i}]`)).find(Boolean);
  if (isObject(value)) return Object.entries(value).map(([key, item]) => nonJsonPath(item, `${path}.${key}`)).find(Boolean);
  return path;
}

interface Problem { path: PropertyKey[]; message: string }

/** A plugin entry: a non-empty `type` (the binary Multus or libcni runs); `ipam.type` likewise when set. */
function pluginProblems(plugin: unknown, path: PropertyKey[]): Problem[] {
  if (!isObject(plugin)) return [{ path, message: "must be an object with a type" }];
  const problems: Problem[] = [];
  if (typeof plugin.type !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(plugin.type)) {
    problems.push({ path: [...path, "type"], message: "must name the plugin binary: letters, digits, '_', '.' or '-' (no path)" });
  }
  if (plugin.ipam !== undefined && !(isObject(plugin.ipam) && typeof plugin.ipam.type === "string" && plugin.ipam.type !== "")) {
    problems.push({ path: [...path, "ipam"], message: "must be an object with a type, the IPAM plugin" });
  }
  return problems;
}

/**
 * The checks: an object; `cniVersion` one this program's plugins and Multus speak; `name` a CNI
 * network name, required for a conflist as the CNI spec and libcni require (a plain config may leave
 * it out: Multus then fills in the NAD's name, network-attachment-definition-client v1.7.6
 * pkg/utils/cniconfig.go:118-125, vendored by the pinned Multus release; nothing requires the two to match);
 * a conflist's `plugins` non-empty, each with a `type`; a plain config its own `type`;
 * JSON-serialisable and at most `rawConfigByteLimit` bytes.
 */
export function rawConfigProblems(config: Json): Problem[] {
  const problems: Problem[] = [];
  const version = cniVersion.safeParse(config.cniVersion);
  if (!version.success) problems.push({ path: ["cniVersion"], message: `must be one of ${cniVersion.options.join(", ")}` });
  const conflist = "plugins" in config;
  if ((conflist || config.name !== undefined) && !cniNetworkName.safeParse(config.name).success) {
    problems.push({ path: ["name"], message: `must be a CNI network name: a letter or digit, then letters, digits, '_', '.' or '-'${conflist ? " (a conflist needs one: libcni refuses a list without)" : " (or unset: Multus uses the NAD's name)"}` });
  }
  if (conflist) {
    if (!Array.isArray(config.plugins) || config.plugins.length === 0) problems.push({ path: ["plugins"], message: "must be a non-empty list of plugin configs" });
    else config.plugins.forEach((plugin, i) => problems.push(...pluginProblems(plugin, ["plugins", i])));
    if ("type" in config) problems.push({ path: ["type"], message: "is not allowed next to plugins (a conflist's plugins carry their types)" });
  } else {
    problems.push(...pluginProblems(config, []));
  }
  const bad = nonJsonPath(config, "config");
  if (bad) problems.push({ path: [], message: `is not JSON at ${bad}` });
  else {
    const size = Buffer.byteLength(JSON.stringify(config));
    if (size > rawConfigByteLimit) problems.push({ path: [], message: `is ${size} bytes as JSON; allowed: at most ${rawConfigByteLimit}` });
  }
  return problems;
}

export const rawCniConfig = z.record(z.string(), z.unknown()).superRefine((config, ctx) => {
  for (const { path, message } of rawConfigProblems(config)) ctx.addIssue({ code: "custom", path, message });
}).meta({
  description: "a CNI config (`{cniVersion, type, …}`) or conflist (`{cniVersion, name, plugins: [{type, …}, …]}`) as a YAML object, written into the NAD as JSON unchanged. Checked: `cniVersion` (`0.3.0`, `0.3.1`, `0.4.0`, `1.0.0`), `name` (a CNI network name; required in a conflist; a plain config without one gets the NAD's from Multus), a `type` for every plugin (and for `ipam` where present), JSON, at most 64 KiB. Not checked: the plugins' own keys, that the plugins are installed on the nodes, addresses against Calico's pools or the Flannel network, and chained options (`tuning`, `sourceBasedRouting`…), which a raw network writes itself",
});
