/**
 * What `pulumi preview` shows for a Kubernetes resource after a successful `pulumi up`, re-done from
 * the provider's source (pulumi/pulumi-kubernetes at 94977969d, the newest commit stored here; the
 * SDK we pin is 4.34.2, whose provider could not be read), and what the API server stores after a
 * server-side apply (kubernetes-sigs/structured-merge-diff v6.4.0, the version that provider vendors).
 *
 * Diff (provider/pkg/provider/provider.go:1431-1677): the old live object from the state is pruned
 * to the shape of the old inputs (pruneLiveState, provider.go:2966), then a JSON merge patch from it
 * to the new inputs is computed (inputPatch, provider.go:2851-2864); an empty patch is no change.
 * Paths under `ignoreChanges` are dropped from the detailed diff (provider.go:1577-1609).
 */
import { isDeepStrictEqual } from "node:util";

type Json = unknown;
type JsonMap = Record<string, Json>;

const isMap = (value: Json): value is JsonMap => typeof value === "object" && value !== null && !Array.isArray(value);

/** Go's reflect kind of a decoded JSON value, as pruneMap/pruneSlice compare them. */
function kindOf(value: Json): string {
  if (value === null || value === undefined) return "nil";
  if (Array.isArray(value)) return "slice";
  if (isMap(value)) return "map";
  return typeof value;
}

/** provider/pkg/provider/util.go:234-267: keeps the keys of `source` that `target` has, recursively. */
export function pruneMap(source: JsonMap | undefined, target: JsonMap | undefined): JsonMap | undefined {
  if (target === undefined || source === undefined) return undefined;
  const result: JsonMap = {};
  for (const [key, value] of Object.entries(source)) {
    if (!(key in target)) continue;
    const targetValue = target[key];
    const kind = kindOf(value);
    if (kind === "nil" || kindOf(targetValue) === "nil" || kind !== kindOf(targetValue)) {
      result[key] = value;
    } else if (kind === "map") {
      result[key] = pruneMap(value as JsonMap, targetValue as JsonMap);
    } else if (kind === "slice") {
      result[key] = pruneSlice(value as Json[], targetValue as Json[]);
    } else {
      result[key] = value;
    }
  }
  return result;
}

/**
 * provider/pkg/provider/util.go:271-320: item i of `source` pruned by item i of `target`, for the
 * first len(target) items. Lists are matched by index, never by a merge key.
 */
export function pruneSlice(source: Json[] | undefined, target: Json[] | undefined): Json[] | undefined {
  if (target === undefined || source === undefined) return undefined;
  if (source.length === 0 || target.length === 0) return [];
  if (kindOf(source[0]) !== kindOf(target[0])) return structuredClone(source);
  const result: Json[] = [];
  target.forEach((targetValue, i) => {
    if (i >= source.length) return;
    const value = source[i];
    if (kindOf(value) === "nil" || kindOf(targetValue) === "nil") {
      result.push(value);
    } else if (kindOf(source[0]) === "map") {
      const pruned = pruneMap(value as JsonMap, targetValue as JsonMap);
      if (pruned !== undefined) result.push(pruned);
    } else if (kindOf(source[0]) === "slice") {
      const pruned = pruneSlice(value as Json[], targetValue as Json[]);
      if (pruned !== undefined) result.push(pruned);
    } else {
      result.push(value);
    }
  });
  return result;
}

/**
 * The provider normalises inputs of built-in kinds before diffing (normalizeInputs, provider.go:2983;
 * clients.Normalize, provider/pkg/clients/unstructured.go:70-158). Of that, what multinet's objects
 * need: a Secret's stringData becomes base64 data, as the API server stores it. (The typed round
 * trip that also canonicalises quantities and drops empty lists is not re-done: the convergence
 * test checks that no input has an empty list or map.)
 */
export function normalizeInputs(object: JsonMap): JsonMap {
  if (object.kind !== "Secret" || !isMap(object.stringData) || Object.keys(object.stringData).length === 0) return object;
  const data = { ...(isMap(object.data) ? object.data : {}) };
  for (const [key, value] of Object.entries(object.stringData)) data[key] = Buffer.from(String(value)).toString("base64");
  const rest = { ...object };
  delete rest.stringData;
  return { ...rest, data };
}

function withoutPath(object: JsonMap, path: string): JsonMap {
  const [head, ...rest] = path.split(".");
  if (!(head in object)) return object;
  const copy = { ...object };
  if (rest.length === 0 || !isMap(copy[head])) delete copy[head];
  else copy[head] = withoutPath(copy[head] as JsonMap, rest.join("."));
  return copy;
}

/** The top-level paths where the pruned live object and the new inputs differ. */
function differingPaths(a: JsonMap, b: JsonMap, prefix = ""): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((key) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isDeepStrictEqual(a[key], b[key])) return [];
    if (isMap(a[key]) && isMap(b[key])) return differingPaths(a[key] as JsonMap, b[key] as JsonMap, path);
    return [path];
  });
}

/**
 * The paths `pulumi preview` reports as changed for a resource whose state holds `oldInputs` and the
 * live object `oldLive` (what Create or Update returned), given `newInputs`; [] means no change.
 * Namespace defaulting (provider.go:1512-1520) is left out: multinet names every namespace.
 */
export function previewDiff(args: { oldInputs: JsonMap; oldLive: JsonMap; newInputs: JsonMap; ignoreChanges?: string[] }): string[] {
  const oldInputs = normalizeInputs(args.oldInputs);
  let pruned = pruneMap(args.oldLive, oldInputs) ?? {};
  let inputs = normalizeInputs(args.newInputs);
  for (const path of args.ignoreChanges ?? []) {
    pruned = withoutPath(pruned, path);
    inputs = withoutPath(inputs, path);
  }
  return differingPaths(pruned, inputs);
}
