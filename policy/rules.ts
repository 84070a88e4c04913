/**
 * The rules of the multinet policy pack as pure functions over Kubernetes objects (what Pulumi hands a
 * policy as a `kubernetes:*` resource's props). Each returns one message per violation, naming the
 * object and container, so tests can run them on rendered stacks and on crafted violations alike.
 * No imports: the pack runs from policy/ with its own dependencies.
 */

/** A Kubernetes object as Pulumi passes it to a policy; every field may be missing or ill-typed. */
export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; labels?: unknown; [field: string]: unknown };
  [field: string]: unknown;
}

export interface RuleContext {
  /**
   * A server-side-apply patch (Pulumi's `*Patch` types): a partial object that changes one owned by
   * someone else, so it is judged only on the fields it sets.
   */
  patch?: boolean;
}

export type Rule = (object: KubeObject, context?: RuleContext) => string[];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** `DaemonSet kube-system/kube-multus-ds`, as messages name an object. */
export function describeObject(object: KubeObject): string {
  const { name, namespace } = object.metadata ?? {};
  return `${String(object.kind ?? "object")} ${nonEmptyString(namespace) ? `${namespace}/` : ""}${String(name ?? "(unnamed)")}`;
}

// ---------------------------------------------------------------------------------------------
// Pod templates and containers
// ---------------------------------------------------------------------------------------------

const templated = new Set(["DaemonSet", "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Job"]);

/** The pod spec an object runs (a Pod's own, a workload's template), or undefined for other kinds. */
export function podSpecOf(object: KubeObject): Json | undefined {
  const spec = isObject(object.spec) ? object.spec : undefined;
  let podSpec: unknown;
  if (object.kind === "Pod") podSpec = spec;
  else if (templated.has(String(object.kind))) podSpec = isObject(spec?.template) ? spec.template.spec : undefined;
  else if (object.kind === "CronJob") {
    const job = isObject(spec?.jobTemplate) && isObject(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
    podSpec = isObject(job?.template) ? job.template.spec : undefined;
  }
  return isObject(podSpec) ? podSpec : undefined;
}

export interface ContainerRef {
  /** `container kube-multus`, `init container install-cni-plugin`. */
  label: string;
  container: Json;
}

/** Every container, init container and ephemeral container of the object's pod spec. */
export function containersOf(object: KubeObject): ContainerRef[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  const lists = [["initContainers", "init container"], ["containers", "container"], ["ephemeralContainers", "ephemeral container"]] as const;
  return lists.flatMap(([field, label]) => (Array.isArray(spec[field]) ? spec[field] : [])
    .filter(isObject)
    .map((container, i) => ({ label: `${label} ${nonEmptyString(container.name) ? container.name : `#${i}`}`, container })));
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

const digestPattern = /@sha256:[0-9a-f]{64}$/;

/** True when the reference names an immutable image: `repo@sha256:<64 hex>` (a tag may precede it). */
export function isPinnedByDigest(image: string): boolean {
  return digestPattern.test(image);
}

/**
 * A tag that names a moving target rather than a release: a floating word (`latest`, `snapshot`,
 * `main`, `stable`, …) alone or with variant words (`latest-thick`, `snapshot-thick`,
 * `stable-alpine`), and no digit. A dated or versioned build (`snapshot-20250101`, `v4.2.4-thick`)
 * is not floating. Case-insensitive.
 *
 * The same expression as `floatingImageTag` in lib/config/versions.ts, for the program's own checks;
 * a test keeps the two equal. Copied, not imported: the pack imports nothing outside policy/, so it
 * also runs when published on its own (`pulumi policy publish` packs only this directory).
 */
export const floatingImageTag = /^(?!.*\d)(?:.*[-_.])?(?:latest|snapshot|nightly|edge|canary|main|mainline|master|trunk|head|dev|devel|develop|stable|unstable|testing|rolling)(?:[-_.].*)?$/i;

/** A valid tag: up to 128 characters, letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. */
const tagPattern = /^\w[\w.-]{0,127}$/;

/** Why an image reference is not pinned to a release: no tag, an empty, invalid or floating tag. Undefined when it is. */
export function imageTagProblem(image: string): string | undefined {
  const at = image.indexOf("@");
  const name = at < 0 ? image : image.slice(0, at);
  // The tag follows the last ':' after the last '/', so a registry port (host:5000/repo) is no tag.
  const tagStart = name.indexOf(":", name.lastIndexOf("/") + 1);
  const tag = tagStart < 0 ? undefined : name.slice(tagStart + 1);
  if (tag !== undefined && !tagPattern.test(tag)) {
    return tag === "" ? "has an empty tag; pin a release tag or a digest" : `has an invalid tag "${tag}"`;
  }
  // A digest pins the image whatever the tag says.
  if (at >= 0) return isPinnedByDigest(image) ? undefined : "has an invalid digest; expected @sha256:<64 hex digits>";
  if (tag === undefined) return "has no tag (it would pull latest); pin a release tag or a digest";
  if (floatingImageTag.test(tag)) return `is tagged ${tag}, a floating tag; pin a release tag or a digest`;
  return undefined;
}

/** Mandatory: every image has a release tag (not a floating one such as latest), or a digest. */
export const imageTagViolations: Rule = (object, context = {}) => containersOf(object).flatMap(({ label, container }) => {
  // A patch may leave a container's image to the object it patches.
  if (container.image === undefined && context.patch) return [];
  if (!nonEmptyString(container.image)) return [`${describeObject(object)}: ${label} has no image`];
  const problem = imageTagProblem(container.image);
  return problem ? [`${describeObject(object)}: ${label} image "${container.image}" ${problem}`] : [];
});

/** Advisory: every image is pinned by digest, so a re-pushed tag cannot change what runs. */
export const imageDigestViolations: Rule = (object) => containersOf(object).flatMap(({ label, container }) =>
  (nonEmptyString(container.image) && !isPinnedByDigest(container.image)
    ? [`${describeObject(object)}: ${label} image "${container.image}" is not pinned by digest (@sha256:…)`]
    : []));

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/** Mandatory: every container requests CPU and memory and has a memory limit. */
export const resourceViolations: Rule = (object, context = {}) => {
  // A patch changes chosen fields of a container defined elsewhere; its resources are not ours to judge.
  if (context.patch) return [];
  return containersOf(object).flatMap(({ label, container }) => {
    const resources = isObject(container.resources) ? container.resources : {};
    const requests = isObject(resources.requests) ? resources.requests : {};
    const limits = isObject(resources.limits) ? resources.limits : {};
    const missing = [
      ...(["cpu", "memory"] as const).filter((r) => !nonEmptyString(requests[r]) && typeof requests[r] !== "number").map((r) => `resources.requests.${r}`),
      ...(!nonEmptyString(limits.memory) && typeof limits.memory !== "number" ? ["resources.limits.memory"] : []),
    ];
    return missing.length ? [`${describeObject(object)}: ${label} has no ${missing.join(", ")}`] : [];
  });
};

// ---------------------------------------------------------------------------------------------
// Host access
// ---------------------------------------------------------------------------------------------

/** What a pod may take from its node: privileged containers, or one of the host's namespaces. */
export type HostAccess = "privileged" | "hostNetwork" | "hostPID" | "hostIPC";

/**
 * The workloads that need the host, and exactly what each may take. Multus is privileged and shares the
 * host's network and PID namespaces (it moves interfaces into pods' network namespaces). flanneld shares
 * only the host's network namespace: it programs the node's routes and VXLAN device with the NET_ADMIN
 * and NET_RAW capabilities, not as a privileged container. The optional CNI plugins installer shares
 * the host's network namespace and copies into /opt/cni/bin from a privileged init container. whereabouts is
 * privileged on the host's network (upstream's daemonset-install.yaml: it writes the CNI binary, its
 * kubeconfig and config on the node); the multi-networkpolicy-iptables enforcer too (upstream's
 * deploy.yml: it enters pods' network namespaces to write iptables rules). None gets hostIPC.
 * Matched by kind, name and multinet's component label, on a namespaced object (the namespace itself is
 * stack config).
 */
export const hostAccessAllowed: ReadonlyArray<{ kind: string; name: string; component: string; grants: readonly HostAccess[] }> = [
  { kind: "DaemonSet", name: "kube-multus-ds", component: "multus", grants: ["privileged", "hostNetwork", "hostPID"] },
  { kind: "DaemonSet", name: "kube-flannel-ds", component: "flannel", grants: ["hostNetwork"] },
  // The CNI plugins installer: host network so it starts on a node whose pod network is not ready
  // yet; its init container privileged to write the host's /opt/cni/bin, as Calico's installer.
  { kind: "DaemonSet", name: "multinet-cni-plugins", component: "cni-plugins", grants: ["privileged", "hostNetwork"] },
  { kind: "DaemonSet", name: "whereabouts", component: "whereabouts", grants: ["privileged", "hostNetwork"] },
  { kind: "DaemonSet", name: "multi-networkpolicy-ds-amd64", component: "multi-networkpolicy", grants: ["privileged", "hostNetwork"] },
];

/** The host access the object may use: its entry's grants in hostAccessAllowed, or none. */
export function hostAccessGranted(object: KubeObject): readonly HostAccess[] {
  const metadata = object.metadata ?? {};
  const labels = isObject(metadata.labels) ? metadata.labels : {};
  if (!nonEmptyString(metadata.namespace)) return [];
  const entry = hostAccessAllowed.find((allowed) => object.kind === allowed.kind && metadata.name === allowed.name
    && labels["app.kubernetes.io/component"] === allowed.component);
  return entry?.grants ?? [];
}

/** The host access the object's pod spec uses; `privileged` once per privileged container. */
export function hostAccessUsed(object: KubeObject): Array<{ access: HostAccess; what: string }> {
  const spec = podSpecOf(object);
  if (!spec) return [];
  return [
    ...(["hostNetwork", "hostPID", "hostIPC"] as const).filter((field) => spec[field] === true)
      .map((field) => ({ access: field, what: `${field} is true` })),
    ...containersOf(object).filter(({ container }) => isObject(container.securityContext) && container.securityContext.privileged === true)
      .map(({ label }) => ({ access: "privileged" as const, what: `${label} is privileged` })),
  ];
}

/** Who may use a kind of host access, for messages: `only DaemonSet kube-multus-ds may …`. */
function whoMay(access: HostAccess): string {
  const verb = access === "privileged" ? "run privileged containers" : `use ${access}`;
  const names = hostAccessAllowed.filter((a) => a.grants.includes(access)).map((a) => `${a.kind} ${a.name}`);
  const list = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0];
  return names.length ? `only ${list} may ${verb}` : `nothing multinet deploys may ${verb}`;
}

/**
 * Mandatory: privileged containers and host namespaces only where hostAccessAllowed grants them:
 * privileged, hostNetwork and hostPID for Multus, hostNetwork for Flannel, privileged and hostNetwork for
 * whereabouts and the MultiNetworkPolicy enforcer, hostIPC for nobody.
 */
export const hostAccessViolations: Rule = (object) => {
  const granted = hostAccessGranted(object);
  return hostAccessUsed(object).filter(({ access }) => !granted.includes(access))
    .map(({ access, what }) => `${describeObject(object)}: ${what}; ${whoMay(access)}`);
};

// ---------------------------------------------------------------------------------------------
// NetworkAttachmentDefinitions
// ---------------------------------------------------------------------------------------------

export function isNetworkAttachmentDefinition(object: KubeObject): boolean {
  return object.kind === "NetworkAttachmentDefinition" && typeof object.apiVersion === "string" && object.apiVersion.startsWith("k8s.cni.cncf.io/");
}

/** The CNI spec versions libcni accepts in a config (containernetworking/cni's version.All). */
export const cniVersions: readonly string[] = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

/**
 * The largest spec.config accepted: 64 KiB. Client-side `kubectl apply` copies the object into the
 * last-applied annotation, where JSON escaping can double it and all annotations together may hold
 * 256 KiB (kubernetes apimachinery pkg/api/validation/objectmeta.go, TotalAnnotationSizeLimitB).
 * The same limit as lib/config/rawCni.ts (the pack imports nothing outside policy/).
 */
export const cniConfigByteLimit = 64 * 1024;

/** A plugin type names a binary in the CNI bin dir: a file name, never a path. */
const pluginTypePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** What is wrong with one plugin: its type (and its IPAM's, when it has one). */
function pluginProblems(plugin: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  if (!nonEmptyString(plugin.type)) problems.push(`has no type${where}`);
  else if (!pluginTypePattern.test(plugin.type)) problems.push(`has type ${JSON.stringify(plugin.type)}${where}, which is not a plugin file name`);
  if (plugin.ipam !== undefined && !(isObject(plugin.ipam) && nonEmptyString(plugin.ipam.type))) problems.push(`has an ipam without type${where}`);
  return problems;
}

/**
 * What is wrong with a CNI config text: at most `cniConfigByteLimit` bytes; JSON; a cniVersion libcni
 * knows; a plugin type that is a file name (each plugin's, for a conflist), an IPAM type where there
 * is IPAM; and, for a conflist, a name (libcni refuses a list without one).
 */
export function cniConfigProblems(text: string): string[] {
  const size = new TextEncoder().encode(text).length;
  if (size > cniConfigByteLimit) return [`is ${size} bytes; allowed: at most ${cniConfigByteLimit}`];
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return [`is not valid JSON (${(error as Error).message})`];
  }
  if (!isObject(config)) return ["is not a JSON object"];
  const problems: string[] = [];
  if (config.cniVersion === undefined || config.cniVersion === "") problems.push("has no cniVersion");
  else if (typeof config.cniVersion !== "string" || !cniVersions.includes(config.cniVersion)) {
    problems.push(`has cniVersion ${JSON.stringify(config.cniVersion)}; supported: ${cniVersions.join(", ")}`);
  }
  if (!("plugins" in config)) return [...problems, ...pluginProblems(config, "")];
  // A conflist: the plugins carry the types, the list its name.
  if (!nonEmptyString(config.name)) problems.push("is a plugin list (conflist) without a name");
  if (!Array.isArray(config.plugins) || config.plugins.length === 0) return [...problems, "has an empty or invalid plugins list"];
  config.plugins.forEach((plugin: unknown, i: number) => problems.push(...pluginProblems(isObject(plugin) ? plugin : {}, ` in plugins[${i}]`)));
  return problems;
}

/** Mandatory: every NAD's spec.config is a valid CNI config (JSON, a known cniVersion, a type; a conflist's name). */
export const nadConfigViolations: Rule = (object, context = {}) => {
  if (!isNetworkAttachmentDefinition(object)) return [];
  const config = isObject(object.spec) ? object.spec.config : undefined;
  if (config === undefined && context.patch) return [];
  if (typeof config !== "string") return [`${describeObject(object)}: spec.config is missing; it must hold the CNI config as JSON`];
  return cniConfigProblems(config).map((problem) => `${describeObject(object)}: spec.config ${problem}`);
};
