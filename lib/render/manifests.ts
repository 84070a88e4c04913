/**
 * Turns the Kubernetes resources the program registered under the mock runtime into manifests:
 * plain objects in a stable order, with Pulumi-only annotations removed, secret values masked and
 * server-side-apply patches explained, emitted as multi-document YAML. Pure: no I/O, no engine.
 */
import { isRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { Document } from "yaml";
import type { RegisteredResource } from "./mockRuntime";

/** What a secret value is printed as. */
export const redacted = "<redacted>";

/** A Kubernetes object ready to print, with the comment lines that precede it. */
export interface Manifest {
  object: KubeManifest;
  /** File stem of the component that declares the object: multus, flannel-attachment, … */
  component: string;
  /** A server-side-apply patch (Pulumi's *Patch types): a partial object, applied differently. */
  patch: boolean;
  comments: string[];
}

export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [field: string]: unknown };
  [field: string]: unknown;
}

/**
 * Apply order: what others need comes first (a namespace before its objects, the CRD before its
 * NADs, RBAC before the daemons that use it, config before the pods that mount it, the NADs before
 * the pod that asks for them). Patches change objects installed by others, so they come after our
 * own daemons. Kinds not listed follow, by kind.
 */
const kindOrder = [
  "Namespace",
  "CustomResourceDefinition",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "ConfigMap",
  "Secret",
  "DaemonSet",
  "Deployment",
  "(patch)",
  "NetworkAttachmentDefinition",
  "MultiNetworkPolicy",
  "Pod",
] as const;

const pulumiAnnotation = /^pulumi\.com\//;
const patchFieldManager = "pulumi.com/patchFieldManager";
const patchForce = "pulumi.com/patchForce";

/** Code-unit order, not localeCompare: output must not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Key order of the object at `path`: alphabetical, except the keys a hand-written manifest puts
 * first (apiVersion/kind/metadata, name/namespace in metadata, name in list entries such as
 * containers). Label and data maps stay purely alphabetical.
 */
function keyOrderAt(path: string[]): (a: string, b: string) => number {
  const last = path[path.length - 1];
  const leading = path.length === 0 ? ["apiVersion", "kind", "metadata"]
    : last === "metadata" ? ["name", "namespace"]
      : /^\d+$/.test(last) ? ["name"] : [];
  const position = (key: string) => { const i = leading.indexOf(key); return i < 0 ? leading.length : i; };
  return (a, b) => position(a) - position(b) || compare(a, b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

interface Walk {
  /** Paths of the values replaced by `redacted`, e.g. `stringData.net-conf.json`. */
  masked: string[];
  /** Fields secret by their kind, whether or not Pulumi marks them. */
  secretAt(path: string[]): boolean;
}

/**
 * A deep copy of resource inputs as plain data with sorted keys. Values Pulumi marks secret (and
 * whatever `secretAt` names) become `redacted`. Anything else that is not plain data (an output
 * unknown before deployment, an asset) cannot be printed, so it is an error.
 */
function plainValue(value: unknown, path: string[], secret: boolean, walk: Walk): unknown {
  if (isRpcSecret(value)) return plainValue((value as { value: unknown }).value, path, true, walk);
  const isSecret = secret || walk.secretAt(path);
  if (Array.isArray(value)) return value.map((item, i) => plainValue(item, [...path, String(i)], isSecret, walk));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.keys(value).sort(keyOrderAt(path))
      .map((key) => [key, plainValue(value[key], [...path, key], isSecret, walk)]));
  }
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) {
    if (!isSecret) return value;
    walk.masked.push(path.join("."));
    return redacted;
  }
  throw new Error(`${path.join(".")}: ${String(value)} is not a plain value; render needs values known before deployment`);
}

/** Secret data is secret whatever Pulumi knows about it. */
function secretFieldsOf(kind: unknown): (path: string[]) => boolean {
  return (path) => kind === "Secret" && path.length === 1 && (path[0] === "data" || path[0] === "stringData");
}

/** Removes the `pulumi.com/*` annotations (they steer Pulumi, kubectl ignores them). */
function withoutPulumiAnnotations(object: KubeManifest): { object: KubeManifest; removed: Record<string, string> } {
  const annotations = Object.entries(object.metadata.annotations ?? {});
  const removed = Object.fromEntries(annotations.filter(([key]) => pulumiAnnotation.test(key)));
  const kept = annotations.filter(([key]) => !pulumiAnnotation.test(key));
  // Rebuilt in place, so the key order stays; empty annotations disappear.
  const metadata = Object.fromEntries(Object.entries(object.metadata).flatMap(([key, value]) =>
    key !== "annotations" ? [[key, value]] : kept.length ? [[key, Object.fromEntries(kept)]] : [])) as KubeManifest["metadata"];
  return { object: { ...object, metadata }, removed };
}

/** The kubectl command that applies a patch as Pulumi does: same field manager, same forcing. */
export function serverSideApplyCommand(annotations: Record<string, string>): string {
  return [
    "kubectl apply --server-side",
    ...(annotations[patchFieldManager] ? [`--field-manager=${annotations[patchFieldManager]}`] : []),
    ...(annotations[patchForce] === "true" ? ["--force-conflicts"] : []),
    "-f <file>",
  ].join(" ");
}

function isPatch(resource: Pick<RegisteredResource, "type" | "inputs">): boolean {
  return resource.type.endsWith(`:${String(resource.inputs.kind)}Patch`);
}

/** `urn:pulumi:<stack>::<project>::<parent$type>::<name>` → `flannel-attachment` for FlannelAttachment. */
export function componentFileStem(parentUrn: string): string {
  const type = parentUrn.split("::")[2].split("$").pop()!;
  return type.slice(type.lastIndexOf(":") + 1).replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

function objectId(object: KubeManifest): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
}

function commentsFor(object: KubeManifest, patch: boolean, removed: Record<string, string>, masked: string[]): string[] {
  return [
    ...(patch
      ? [
        `Server-side-apply patch of ${objectId(object)}: only the fields below, owned by their field manager.`,
        `Not for plain kubectl apply; apply it with: ${serverSideApplyCommand(removed)}`,
      ]
      : []),
    ...(Object.keys(removed).length
      ? [`Pulumi-only annotations removed: ${Object.entries(removed).map(([k, v]) => `${k}=${v}`).join(", ")}`]
      : []),
    ...(masked.length
      ? [`Secret values are not printed; "${redacted}" stands for: ${masked.join(", ")}. Supply them from your secret store.`]
      : []),
  ];
}

function toManifest(resource: RegisteredResource): Manifest {
  const walk: Walk = { masked: [], secretAt: secretFieldsOf(resource.inputs.kind) };
  const plain = plainValue(resource.inputs, [], false, walk) as KubeManifest;
  const { object, removed } = withoutPulumiAnnotations(plain);
  const patch = isPatch(resource);
  return { object, component: componentFileStem(resource.parent), patch, comments: commentsFor(object, patch, removed, walk.masked) };
}

function rank(manifest: Manifest): number {
  const kind = manifest.patch ? "(patch)" : manifest.object.kind;
  const i = (kindOrder as readonly string[]).indexOf(kind);
  return i < 0 ? kindOrder.length : i;
}

/** Sorts by `kindOrder`, then kind, namespace (cluster-scoped first) and name. */
export function orderManifests(manifests: Manifest[]): Manifest[] {
  const key = (m: Manifest) => [m.object.kind, m.object.metadata.namespace ?? "", m.object.metadata.name];
  return [...manifests].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return rank(a) - rank(b) || compare(ka[0], kb[0]) || compare(ka[1], kb[1]) || compare(ka[2], kb[2]);
  });
}

/** Every Kubernetes object the program declares (Pulumi's own resources are not objects), in apply order. */
export function manifestsOf(resources: RegisteredResource[]): Manifest[] {
  return orderManifests(resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")).map(toManifest));
}

function commentBlock(lines: string[]): string {
  return lines.map((line) => `# ${line}\n`).join("");
}

function documentYaml(manifest: Manifest): string {
  // No anchors for repeated values, no folding of long lines (a NAD config is one long JSON line).
  const body = new Document(manifest.object, { aliasDuplicateObjects: false }).toString({ lineWidth: 0 });
  return `---\n${commentBlock(manifest.comments)}${body}`;
}

const renderedBy = "Rendered by `npm run render`";

/** True for output of render: `--out` replaces such files and leaves every other file alone. */
export function isRendered(content: string): boolean {
  return content.startsWith(`# ${renderedBy}`);
}

/**
 * Multi-document YAML: a header comment naming the stack (and component, for `--out` files), then
 * one document per manifest in the given order.
 */
export function manifestsYaml(manifests: Manifest[], stack: string, component?: string): string {
  const header = [
    `${renderedBy} from stack "${stack}"${component ? `, component ${component}` : ""}; do not edit, change the stack and render again.`,
    ...(manifests.some((m) => m.patch)
      ? ["Server-side-apply patches below must be applied with the command in their comment, not with the rest."]
      : []),
  ];
  return commentBlock(header) + manifests.map(documentYaml).join("");
}

/** `--out`: one file per component, `<component>.yaml`, sorted by file name. */
export function manifestFiles(manifests: Manifest[], stack: string): Array<{ file: string; content: string }> {
  const stems = [...new Set(manifests.map((m) => m.component))].sort(compare);
  return stems.map((stem) => ({
    file: `${stem}.yaml`,
    content: manifestsYaml(manifests.filter((m) => m.component === stem), stack, stem),
  }));
}
