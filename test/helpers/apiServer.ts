/**
 * What the API server stores for multinet's objects, as far as a Pulumi diff can see it: the object
 * applied or created, plus what the server and admission add (defaults inside list items and maps,
 * list items appended by admission), and for a server-side-apply patch the merge with the live
 * object. Used by test/convergence.test.ts with test/helpers/providerDiff.ts.
 */
type Json = unknown;
type JsonMap = Record<string, Json>;

const isMap = (value: Json): value is JsonMap => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The merge keys of the associative lists multinet's objects use (`x-kubernetes-list-map-keys` /
 * `patchMergeKey` of the core/v1 and apps/v1 OpenAPI schema): other lists are atomic.
 */
const listKeys: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
};

/**
 * Merges an associative list the way server-side apply does (structured-merge-diff v6.4.0,
 * typed/merge.go:168-283, visitListItems): live items the applied list does not name keep their
 * places; items it names are merged in the applied order; new items come after the live ones they
 * follow, so an item new to the live list is appended after every live item.
 */
function mergeList(live: JsonMap[], applied: JsonMap[], key: string): JsonMap[] {
  const id = (item: JsonMap) => JSON.stringify(item[key]);
  const appliedIds = new Set(applied.map(id));
  const liveIds = new Set(live.map(id));
  const sharedOrder = applied.map(id).filter((k) => liveIds.has(k));
  let nextShared = sharedOrder.shift();
  const merged = new Set<string>();
  const out: JsonMap[] = [];
  const liveById = new Map(live.map((item) => [id(item), item]));
  let l = 0;
  let r = 0;
  while (l < live.length || r < applied.length) {
    if (l < live.length && r < applied.length) {
      const pe = id(live[l]);
      if (pe === id(applied[r])) {
        merged.add(pe);
        out.push(mergeObject(live[l], applied[r]));
        l++;
        r++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (appliedIds.has(pe) && nextShared !== undefined && nextShared !== pe) {
        l++;
        continue;
      }
    }
    if (l < live.length) {
      const pe = id(live[l]);
      if (!appliedIds.has(pe)) {
        out.push(live[l]);
        l++;
        continue;
      } else if (merged.has(pe)) {
        l++;
      }
    }
    if (r < applied.length) {
      const pe = id(applied[r]);
      merged.add(pe);
      const existing = liveById.get(pe);
      out.push(existing ? mergeObject(existing, applied[r]) : applied[r]);
      r++;
      if (nextShared === pe) nextShared = sharedOrder.shift();
    }
  }
  return out;
}

/** A server-side apply of `applied` onto `live`: maps merge, associative lists merge by key, the rest is replaced. */
export function mergeObject(live: JsonMap, applied: JsonMap): JsonMap {
  const out: JsonMap = { ...live };
  for (const [field, value] of Object.entries(applied)) {
    const current = live[field];
    if (isMap(value) && isMap(current)) out[field] = mergeObject(current, value);
    else if (Array.isArray(value) && Array.isArray(current) && listKeys[field]) {
      out[field] = mergeList(current as JsonMap[], value as JsonMap[], listKeys[field]);
    } else out[field] = value;
  }
  return out;
}

/** Deep merge where `own` wins: the server's defaults under what was sent. */
function defaultsUnder(defaults: JsonMap, own: JsonMap): JsonMap {
  const out: JsonMap = { ...defaults };
  for (const [field, value] of Object.entries(own)) {
    out[field] = isMap(value) && isMap(defaults[field]) ? defaultsUnder(defaults[field] as JsonMap, value) : value;
  }
  return out;
}

const containerDefaults = (container: JsonMap): JsonMap => defaultsUnder({
  imagePullPolicy: "IfNotPresent",
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
}, {
  ...container,
  ...(Array.isArray(container.ports) ? { ports: (container.ports as JsonMap[]).map((port) => defaultsUnder({ protocol: "TCP" }, port)) } : {}),
});

/**
 * Pod spec defaults (kubernetes pkg/apis/core/v1/defaults.go: SetDefaults_PodSpec, SetDefaults_Container)
 * and, for a pod, what the ServiceAccount admission plugin and DefaultTolerationSeconds append: the
 * token volume and its mounts, the not-ready/unreachable tolerations. Appended, never inserted.
 */
function podSpecDefaults(spec: JsonMap, admitted: boolean): JsonMap {
  const token = "kube-api-access-x7k2p";
  const withDefaults = (list: Json, more: JsonMap[] = []) => [...((list as JsonMap[] | undefined) ?? []).map(containerDefaults), ...more];
  const mount = admitted ? [{ name: token, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }] : [];
  const out = defaultsUnder({
    dnsPolicy: "ClusterFirst", restartPolicy: "Always", schedulerName: "default-scheduler",
    securityContext: {}, terminationGracePeriodSeconds: 30,
  }, spec);
  out.containers = (spec.containers as JsonMap[]).map((c) => ({ ...containerDefaults(c), volumeMounts: [...((c.volumeMounts as JsonMap[]) ?? []), ...mount] }));
  if (spec.initContainers) out.initContainers = withDefaults(spec.initContainers);
  if (admitted) {
    out.volumes = [...((spec.volumes as JsonMap[]) ?? []), { name: token, projected: { sources: [] } }];
    out.tolerations = [...((spec.tolerations as JsonMap[]) ?? []),
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }];
    out.nodeName = "node-a";
  }
  return out;
}

/** What the server stores for an object multinet creates (kind by kind, the defaults it adds). */
export function storedObject(inputs: JsonMap): JsonMap {
  const metadata = defaultsUnder({ uid: "0b6e3c1e", resourceVersion: "4711", generation: 1, creationTimestamp: "2026-01-01T00:00:00Z",
    managedFields: [{ manager: "pulumi-kubernetes", operation: "Update" }] }, inputs.metadata as JsonMap);
  const object: JsonMap = { ...inputs, metadata };
  switch (inputs.kind) {
    case "Namespace":
      metadata.labels = { ...(metadata.labels as JsonMap), "kubernetes.io/metadata.name": metadata.name };
      return { ...object, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } };
    case "DaemonSet": {
      const spec = inputs.spec as JsonMap;
      const template = spec.template as JsonMap;
      return {
        ...object,
        spec: defaultsUnder({ revisionHistoryLimit: 10, updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } }, {
          ...spec, template: { ...template, spec: podSpecDefaults(template.spec as JsonMap, false) },
        }),
        status: { desiredNumberScheduled: 2, numberReady: 2 },
      };
    }
    case "Pod":
      return { ...object, spec: podSpecDefaults(inputs.spec as JsonMap, true), status: { phase: "Running" } };
    case "Secret": {
      const data = Object.fromEntries(Object.entries((inputs.stringData as JsonMap) ?? {}).map(([k, v]) => [k, Buffer.from(String(v)).toString("base64")]));
      const rest = { ...object };
      delete rest.stringData;
      return { ...rest, data, type: "Opaque" };
    }
    case "CustomResourceDefinition":
      return { ...object, spec: defaultsUnder({ conversion: { strategy: "None" } }, inputs.spec as JsonMap), status: { acceptedNames: {} } };
    default:
      return object;
  }
}

/** An object that has no empty list or map anywhere (the server would drop those, omitempty). */
export function emptyValuePaths(value: Json, path = ""): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((item, i) => emptyValuePaths(item, `${path}[${i}]`));
  if (isMap(value)) {
    const entries = Object.entries(value);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => emptyValuePaths(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** An env list with, per entry, the field managers that own it (entry-level ownership). */
export type OwnedEnv = Array<{ name: string; value?: string; owners: Set<string> }>;

/**
 * A server-side apply of `env` under `manager` (https://kubernetes.io/docs/reference/using-api/server-side-apply/,
 * "Field management" and "Conflicts"): an entry applied with the value it has is co-owned; a forced
 * apply of another value overrides it and transfers its ownership; entries this manager owned and no
 * longer applies lose it, and an entry no manager owns any more is removed. New entries are
 * appended (typed/merge.go, as mergeList above).
 */
export function applyEnvAs(live: OwnedEnv, manager: string, env: Array<{ name: string; value: string }>): OwnedEnv {
  const out: OwnedEnv = live.map((entry) => {
    const applied = env.find((e) => e.name === entry.name);
    if (!applied) return { ...entry, owners: new Set([...entry.owners].filter((o) => o !== manager)) };
    if (applied.value === entry.value) return { ...entry, owners: new Set([...entry.owners, manager]) };
    return { name: entry.name, value: applied.value, owners: new Set([manager]) };
  });
  for (const e of env) if (!out.some((entry) => entry.name === e.name)) out.push({ ...e, owners: new Set([manager]) });
  return out.filter((entry) => entry.owners.size > 0);
}

/** What deleting a Patch resource does: apply nothing under its manager (provider/pkg/ssa/actions.go:34-59). */
export function relinquishEnv(live: OwnedEnv, manager: string): OwnedEnv {
  return applyEnvAs(live, manager, []);
}
