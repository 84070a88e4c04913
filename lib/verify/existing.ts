/**
 * Objects multinet would create that already exist. Since pulumi-kubernetes 4.29 a new resource is
 * a plain create, so `pulumi up` fails on each of them with AlreadyExists, after whatever was
 * created before it; `pulumi preview` cannot tell (it reports "create": a dry-run AlreadyExists is
 * swallowed, provider/pkg/provider/provider.go:1811-1813). The manual setup and upstream's
 * manifests use the same names. Pure: the reads are lib/kube/reads.ts's.
 */
import type { StackConfig } from "../config";
import { cniPluginsDaemonSet } from "../build/cniPlugins";
import { flannelObjects } from "../build/flannel";
import { multiNetworkPolicyObjects } from "../build/multiNetworkPolicy";
import { multusObjects } from "../build/multus";
import { multiNetworkPolicy } from "../build/policies";
import { whereaboutsObjects } from "../build/whereabouts";
import { nadApiVersion, nadKind } from "../build/networks";
import { instanceLabel } from "../build/objects";
import { fail, pass, type Finding } from "./findings";
import { listShort } from "./scheduling";

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** What the cluster holds under one of those names: its labels and who wrote its fields. */
export interface ExistingObject extends ObjectRef {
  labels: Record<string, string>;
  /** managedFields managers, e.g. kubectl-client-side-apply. */
  managers: string[];
}

const ref = (object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): ObjectRef => ({
  apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name,
  ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
});

/**
 * Every object the stack creates with a plain create (not the CRD or the Calico patch, which are
 * server-side-apply patches, and not namespaces, which judgeNamespaces checks).
 */
export function objectsMultinetCreates(config: StackConfig): ObjectRef[] {
  const multus = multusObjects(config.multus);
  const refs = [multus.serviceAccount, multus.clusterRole, multus.clusterRoleBinding, ...(multus.daemonConfig ? [multus.daemonConfig] : []), multus.daemonSet].map(ref);
  if (config.flannel.enabled) {
    const flannel = flannelObjects(config.flannel);
    refs.push(...[flannel.serviceAccount, flannel.clusterRole, flannel.clusterRoleBinding, flannel.netConf, flannel.daemonSet].map(ref));
  }
  if (config.cniPlugins.enabled) refs.push(ref(cniPluginsDaemonSet(config.cniPlugins)));
  // whereabouts' and the enforcer's CRDs too: one that exists belongs to another installation of
  // them, which would fight over the binary and the pools, or the pods' iptables.
  if (config.whereabouts.enabled) {
    const whereabouts = whereaboutsObjects(config.whereabouts);
    refs.push(...[...whereabouts.crds, whereabouts.serviceAccount, whereabouts.clusterRole, whereabouts.clusterRoleBinding, whereabouts.cronConfig, whereabouts.daemonSet, whereabouts.reconciler].map(ref));
  }
  if (config.multiNetworkPolicy.enabled && config.multiNetworkPolicy.image) {
    const enforcer = multiNetworkPolicyObjects(config.multiNetworkPolicy);
    refs.push(...[enforcer.crd, enforcer.serviceAccount, enforcer.clusterRole, enforcer.clusterRoleBinding, enforcer.daemonSet].map(ref));
    refs.push(...config.policies.map(multiNetworkPolicy).map(ref));
  }
  refs.push(...config.networks.map((n) => ({ apiVersion: nadApiVersion, kind: nadKind, name: n.name, namespace: n.namespace })));
  if (config.samplePod.enabled) refs.push({ apiVersion: "v1", kind: "Pod", name: config.samplePod.name, namespace: config.samplePod.namespace });
  return refs;
}

const describe = (o: ObjectRef) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;

/**
 * Whose an existing object is, by the labels multinet puts on what it creates (commonLabels and,
 * per stack, instanceLabel): this stack's (from an earlier `up`), another multinet stack's, or not
 * multinet's at all.
 */
export function ownerOf(labels: Record<string, string> | undefined, stack: string): { owner: "this stack" | "foreign" } | { owner: "other stack"; stack: string } {
  if (labels?.["app.kubernetes.io/part-of"] !== "multinet") return { owner: "foreign" };
  const instance = labels[instanceLabel] ?? "(unknown)";
  return instance === stack ? { owner: "this stack" } : { owner: "other stack", stack: instance };
}

const ownerNote = (o: ExistingObject, stack: string) => {
  const owner = ownerOf(o.labels, stack);
  if (owner.owner === "other stack") return ` (multinet stack ${owner.stack}'s)`;
  return o.managers.length ? ` (written by ${[...new Set(o.managers)].join(", ")})` : "";
};

/**
 * None of the objects multinet creates exists as someone else's: ones labelled as this stack's are
 * from an earlier `up` (the preflight runs again when the config changes); another stack's collide.
 * `adopting`: the stack sets `kubernetes:upsertExistingObjects`, so the provider applies over them.
 */
export function judgeExistingObjects(existing: readonly ExistingObject[], stack: string, adopting: boolean): Finding {
  const check = "preflight/existing-objects";
  const foreign = existing.filter((o) => ownerOf(o.labels, stack).owner !== "this stack");
  const own = existing.length - foreign.length;
  const ownNote = own ? `; ${own} already this stack's` : "";
  if (!foreign.length) return pass(check, `none of multinet's objects exists as someone else's${ownNote}`);
  const listed = listShort(foreign.map((o) => `${describe(o)}${ownerNote(o, stack)}`), 6);
  if (adopting) {
    return pass(check, `kubernetes:upsertExistingObjects is set, so the provider will apply over ${listed}; fields only their old managers own stay (see docs/migrating.md)${ownNote}`);
  }
  return fail(check, `${listed} already exist${foreign.length === 1 ? "s" : ""} and ${foreign.length === 1 ? "is" : "are"} not this stack's: pulumi up would fail with AlreadyExists. Delete ${foreign.length === 1 ? "it" : "them"} first, as docs/migrating.md describes (or adopt with kubernetes:upsertExistingObjects); one multinet stack per cluster`);
}
