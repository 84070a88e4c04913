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

/** Why an image reference is not pinned to a release: no tag, or `latest`. Undefined when it is. */
export function imageTagProblem(image: string): string | undefined {
  if (image.includes("@")) return isPinnedByDigest(image) ? undefined : "has an invalid digest; expected @sha256:<64 hex digits>";
  // The tag follows the last ':' after the last '/', so a registry port (host:5000/repo) is no tag.
  const tagStart = image.indexOf(":", image.lastIndexOf("/") + 1);
  if (tagStart < 0) return "has no tag (it would pull latest); pin a release tag or a digest";
  if (image.slice(tagStart + 1) === "latest") return "is tagged latest; pin a release tag or a digest";
  return undefined;
}

/** Mandatory: every image has a release tag other than latest, or a digest. */
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

/**
 * The workloads that need the host: Multus (privileged, host network and PID namespace: it moves
 * interfaces into pod network namespaces) and flanneld (host network: it programs the node's routes
 * and VXLAN device). Matched by kind, name and multinet's component label.
 */
export const hostAccessAllowed: ReadonlyArray<{ kind: string; name: string; component: string }> = [
  { kind: "DaemonSet", name: "kube-multus-ds", component: "multus" },
  { kind: "DaemonSet", name: "kube-flannel-ds", component: "flannel" },
];

export function isHostAccessAllowed(object: KubeObject): boolean {
  const labels = isObject(object.metadata?.labels) ? object.metadata.labels : {};
  return hostAccessAllowed.some((allowed) => object.kind === allowed.kind && object.metadata?.name === allowed.name
    && labels["app.kubernetes.io/component"] === allowed.component);
}

/** Mandatory: privileged containers and host namespaces only in the Multus and Flannel DaemonSets. */
export const hostAccessViolations: Rule = (object) => {
  const spec = podSpecOf(object);
  if (!spec || isHostAccessAllowed(object)) return [];
  const hostNamespaces = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((field) => spec[field] === true);
  const privileged = containersOf(object).filter(({ container }) =>
    isObject(container.securityContext) && container.securityContext.privileged === true);
  const allowedNames = hostAccessAllowed.map((a) => `${a.kind} ${a.name}`).join(" and ");
  return [
    ...hostNamespaces.map((field) => `${describeObject(object)}: ${field} is true; only ${allowedNames} may use the host's namespaces`),
    ...privileged.map(({ label }) => `${describeObject(object)}: ${label} is privileged; only ${allowedNames} may run privileged containers`),
  ];
};

// ---------------------------------------------------------------------------------------------
// NetworkAttachmentDefinitions
// ---------------------------------------------------------------------------------------------

export function isNetworkAttachmentDefinition(object: KubeObject): boolean {
  return object.kind === "NetworkAttachmentDefinition" && typeof object.apiVersion === "string" && object.apiVersion.startsWith("k8s.cni.cncf.io/");
}

/** What is wrong with a CNI config text: JSON, a cniVersion, and a plugin type (each plugin's, for a conflist). */
export function cniConfigProblems(text: string): string[] {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return [`is not valid JSON (${(error as Error).message})`];
  }
  if (!isObject(config)) return ["is not a JSON object"];
  const problems = nonEmptyString(config.cniVersion) ? [] : ["has no cniVersion"];
  if (!("plugins" in config)) return nonEmptyString(config.type) ? problems : [...problems, "has no type"];
  // A conflist: the plugins carry the types.
  if (!Array.isArray(config.plugins) || config.plugins.length === 0) return [...problems, "has an empty or invalid plugins list"];
  config.plugins.forEach((plugin: unknown, i: number) => {
    if (!isObject(plugin) || !nonEmptyString(plugin.type)) problems.push(`has no type in plugins[${i}]`);
  });
  return problems;
}

/** Mandatory: every NAD's spec.config is a valid CNI config (JSON with cniVersion and type). */
export const nadConfigViolations: Rule = (object, context = {}) => {
  if (!isNetworkAttachmentDefinition(object)) return [];
  const config = isObject(object.spec) ? object.spec.config : undefined;
  if (config === undefined && context.patch) return [];
  if (typeof config !== "string") return [`${describeObject(object)}: spec.config is missing; it must hold the CNI config as JSON`];
  return cniConfigProblems(config).map((problem) => `${describeObject(object)}: spec.config ${problem}`);
};
