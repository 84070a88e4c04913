/**
 * The reads: everything the verifier and the preflight judge (lib/verify/), each object read once
 * with the request deadline, in the wire form `kubectl get -o json` prints. An object that does not
 * exist is undefined; any other failure is a KubeError naming what was read.
 */
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { StackConfig } from "../config";
import { addonTargets } from "../verify/addons";
import { podWarningMessages, type PodEvent } from "../verify/events";
import { objectsMultinetCreates, type ExistingObject, type ObjectRef } from "../verify/existing";
import { calicoDaemonSetCandidates, type PreflightSnapshot } from "../verify/preflight";
import { verifyTargets, type AddonsSnapshot, type ApiObject, type DaemonSetState, type VerifySnapshot } from "../verify/snapshot";
import { failureReason, isNotFound, KubeError, statusOf, timed, type Kube } from "./connection";
import { execInPod } from "./exec";

/**
 * client-node hands back class instances (Dates for timestamps); the checks judge the wire form,
 * as `kubectl get -o json` prints it.
 */
function wire<T>(object: unknown): T {
  return JSON.parse(JSON.stringify(object)) as T;
}

/** The object, undefined when it does not exist; any other failure is a KubeError naming what was read. */
async function read<T>(kube: Kube, what: string, request: () => Promise<unknown>): Promise<T | undefined> {
  try {
    return wire<T>(await timed(kube, request));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    const reason = failureReason(kube, error);
    throw new KubeError(`cannot read ${what}: ${reason}`, statusOf(error));
  }
}

async function daemonSetState(kube: Kube, where: { namespace: string; name: string }, withPods: boolean): Promise<DaemonSetState> {
  const daemonSet = await read<IDaemonSet>(kube, `DaemonSet ${where.namespace}/${where.name}`, () => kube.apps.readNamespacedDaemonSet(where));
  if (!daemonSet || !withPods) return { daemonSet };
  const labelSelector = Object.entries(daemonSet.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  const list = await read<{ items: IPod[] }>(kube, `the pods of DaemonSet ${where.namespace}/${where.name}`,
    () => kube.core.listNamespacedPod({ namespace: where.namespace, labelSelector }));
  const uid = daemonSet.metadata?.uid;
  const pods = (list?.items ?? []).filter((pod) => !uid || (pod.metadata?.ownerReferences ?? []).some((o) => o.uid === uid));
  return { daemonSet, pods };
}

export async function listNodes(kube: Kube): Promise<INode[]> {
  return (await read<{ items: INode[] }>(kube, "the nodes", () => kube.core.listNode()))?.items ?? [];
}

export async function readPod(kube: Kube, namespace: string, name: string): Promise<IPod | undefined> {
  return read<IPod>(kube, `pod ${namespace}/${name}`, () => kube.core.readNamespacedPod({ name, namespace }));
}

/** The Warning events of this pod object (its UID, not just its name), oldest first. */
export async function podWarnings(kube: Kube, pod: IPod): Promise<string[]> {
  const { namespace = "default", name = "", uid } = pod.metadata ?? {};
  const fieldSelector = `involvedObject.kind=Pod,involvedObject.name=${name},${uid ? `involvedObject.uid=${uid},` : ""}type=Warning`;
  const list = await read<{ items: PodEvent[] }>(kube, `the events of pod ${namespace}/${name}`,
    () => kube.core.listNamespacedEvent({ namespace, fieldSelector }));
  return podWarningMessages(list?.items ?? [], uid);
}

/** `cat /proc/net/route` in the pod: every image has /proc, few have iproute2. */
async function readProcNetRoute(kube: Kube, pod: { namespace: string; name: string; container: string }, timeoutMs: number): Promise<string | { error: string }> {
  try {
    const result = await execInPod(kube, pod, ["cat", "/proc/net/route"], timeoutMs);
    if (result.exitCode !== 0) return { error: `cat exited ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}` };
    return result.stdout;
  } catch (error) {
    if (error instanceof KubeError) return { error: error.message };
    throw error;
  }
}

/** whereabouts' DaemonSet, reconciler and the sample pod's pools, and the policy enforcer, when deployed. */
async function addonsSnapshot(kube: Kube, config: StackConfig): Promise<AddonsSnapshot> {
  const targets = addonTargets(config);
  const snapshot: AddonsSnapshot = {};
  if (targets.whereabouts) {
    const { namespace, reconciler, pools } = targets.whereabouts;
    const [daemonSet, deployment, poolEntries] = await Promise.all([
      daemonSetState(kube, targets.whereabouts.daemonSet, true),
      read<IDeployment>(kube, `Deployment ${reconciler.namespace}/${reconciler.name}`, () => kube.apps.readNamespacedDeployment(reconciler)),
      Promise.all(pools.map(async ({ pool }) => [pool, await read<ApiObject>(kube, `IPPool ${namespace}/${pool}`,
        () => kube.custom.getNamespacedCustomObject({ group: "whereabouts.cni.cncf.io", version: "v1alpha1", namespace, plural: "ippools", name: pool }))] as const)),
    ]);
    snapshot.whereabouts = { daemonSet, ...(deployment ? { reconciler: deployment } : {}), pools: Object.fromEntries(poolEntries) };
  }
  if (targets.multiNetworkPolicy) snapshot.multiNetworkPolicy = await daemonSetState(kube, targets.multiNetworkPolicy, true);
  return snapshot;
}

/** Everything the verifier judges, read once. */
export async function verifySnapshot(kube: Kube, config: StackConfig): Promise<VerifySnapshot> {
  const targets = verifyTargets(config);
  const nadEntries = await Promise.all(targets.nads.map(async (nad) => [
    `${nad.namespace}/${nad.name}`,
    await read<ApiObject>(kube, `NetworkAttachmentDefinition ${nad.namespace}/${nad.name}`,
      () => kube.custom.getNamespacedCustomObject({ group: "k8s.cni.cncf.io", version: "v1", namespace: nad.namespace, plural: "network-attachment-definitions", name: nad.name })),
  ] as const));
  const [nodes, multus, flannel, cniPlugins, calicoDaemonSet, installation] = await Promise.all([
    listNodes(kube),
    daemonSetState(kube, targets.multus, true),
    targets.flannel ? daemonSetState(kube, targets.flannel, true) : Promise.resolve(undefined),
    targets.cniPlugins ? daemonSetState(kube, targets.cniPlugins, true) : Promise.resolve(undefined),
    targets.calicoDaemonSet ? daemonSetState(kube, targets.calicoDaemonSet, false) : Promise.resolve(undefined),
    targets.installation
      ? read<ApiObject>(kube, `Installation ${targets.installation}`,
        () => kube.custom.getClusterCustomObject({ group: "operator.tigera.io", version: "v1", plural: "installations", name: targets.installation! }))
      : Promise.resolve(undefined),
  ]);
  const snapshot: VerifySnapshot = {
    nodes,
    multus,
    ...(flannel ? { flannel } : {}),
    ...(cniPlugins ? { cniPlugins } : {}),
    calico: { daemonSet: calicoDaemonSet?.daemonSet, installation },
    nads: Object.fromEntries(nadEntries),
    addons: await addonsSnapshot(kube, config),
  };
  if (targets.samplePod) {
    const { namespace, name } = targets.samplePod;
    const pod = await readPod(kube, namespace, name);
    const running = pod?.status?.phase === "Running";
    snapshot.samplePod = {
      pod,
      warnings: pod && !running ? await podWarnings(kube, pod) : [],
      ...(running ? { procNetRoute: await readProcNetRoute(kube, targets.samplePod, kube.requestTimeoutMs) } : {}),
    };
  }
  return snapshot;
}

/** Lists a cluster-wide custom resource; undefined when the API does not serve it. */
async function listCustom(kube: Kube, group: string, version: string, plural: string): Promise<ApiObject[] | undefined> {
  const list = await read<{ items: ApiObject[] }>(kube, `${plural}.${group}/${version}`, () => kube.custom.listClusterCustomObject({ group, version, plural }));
  return list?.items;
}

/** The request that reads one object multinet creates, by kind. */
function readRequest(kube: Kube, o: ObjectRef): () => Promise<unknown> {
  const name = o.name;
  const namespace = o.namespace ?? "";
  switch (o.kind) {
    case "ServiceAccount": return () => kube.core.readNamespacedServiceAccount({ name, namespace });
    case "ConfigMap": return () => kube.core.readNamespacedConfigMap({ name, namespace });
    case "Secret": return () => kube.core.readNamespacedSecret({ name, namespace });
    case "Pod": return () => kube.core.readNamespacedPod({ name, namespace });
    case "DaemonSet": return () => kube.apps.readNamespacedDaemonSet({ name, namespace });
    case "ClusterRole": return () => kube.rbac.readClusterRole({ name });
    case "ClusterRoleBinding": return () => kube.rbac.readClusterRoleBinding({ name });
    case "Deployment": return () => kube.apps.readNamespacedDeployment({ name, namespace });
    case "CustomResourceDefinition":
      return () => kube.custom.getClusterCustomObject({ group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", name });
    case "MultiNetworkPolicy":
      return () => kube.custom.getNamespacedCustomObject({ group: "k8s.cni.cncf.io", version: "v1beta1", namespace, plural: "multi-networkpolicies", name });
    default: {
      const [group, version] = o.apiVersion.split("/");
      return () => kube.custom.getNamespacedCustomObject({ group, version, namespace, plural: "network-attachment-definitions", name });
    }
  }
}

/** Which of the objects multinet creates exist already; a read the API does not serve counts as absent. */
async function existingObjects(kube: Kube, config: StackConfig): Promise<ExistingObject[]> {
  const found = await Promise.all(objectsMultinetCreates(config).map(async (o) => {
    const object = await read<{ metadata?: { labels?: Record<string, string>; managedFields?: Array<{ manager?: string }> } }>(
      kube, `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`, readRequest(kube, o));
    if (!object) return undefined;
    return { ...o, labels: object.metadata?.labels ?? {}, managers: (object.metadata?.managedFields ?? []).map((m) => m.manager ?? "") };
  }));
  return found.filter((o): o is ExistingObject => o !== undefined);
}

/** Everything the preflight judges. */
export async function preflightSnapshot(kube: Kube, config: StackConfig): Promise<PreflightSnapshot> {
  const [nodes, namespaces, existing, crdPools, installations, daemonSets] = await Promise.all([
    listNodes(kube),
    read<{ items: INamespace[] }>(kube, "the namespaces", () => kube.core.listNamespace()).then((list) => list?.items ?? []),
    existingObjects(kube, config),
    listCustom(kube, "crd.projectcalico.org", "v1", "ippools"),
    listCustom(kube, "operator.tigera.io", "v1", "installations"),
    Promise.all(calicoDaemonSetCandidates(config).map((where) => daemonSetState(kube, where, false))),
  ]);
  // The Calico API server (projectcalico.org/v3) serves the same pools where the CRDs are not readable.
  const v3Pools = crdPools ? undefined : await listCustom(kube, "projectcalico.org", "v3", "ippools");
  const ipPools = crdPools ? { api: "crd.projectcalico.org/v1", pools: crdPools } : v3Pools ? { api: "projectcalico.org/v3", pools: v3Pools } : undefined;
  return {
    nodes,
    namespaces,
    existing,
    ...(ipPools ? { ipPools } : {}),
    calico: {
      daemonSets: daemonSets.flatMap((state) => (state.daemonSet ? [state.daemonSet] : [])),
      ...(installations ? { installations } : {}),
    },
  };
}
