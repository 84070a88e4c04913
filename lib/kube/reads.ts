/**
 * The reads: everything the verifier and the preflight judge (lib/verify/), each object read once
 * with the request deadline, in the wire form `kubectl get -o json` prints. An object that does not
 * exist is undefined; any other failure is a KubeError naming what was read.
 */
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { StackConfig } from "../config";
import { addonTargets } from "../verify/addons";
import { podWarningMessages } from "../verify/events";
import { objectsMultinetCreates, type ExistingObject, type ObjectRef } from "../verify/existing";
import { calicoDaemonSetCandidates, type PreflightSnapshot } from "../verify/preflight";
import { verifyTargets, type AddonsSnapshot, type ApiObject, type DaemonSetState, type VerifySnapshot } from "../verify/snapshot";
import { isNotFound, KubeError, requestFailure, timed, type Kube } from "./connection";
import { execInPod } from "./exec";
import { parseShape, shapes, type Shape } from "./shapes";

/**
 * The object as the API server sent it (the wire form `kubectl get -o json` prints), in the shape
 * the checks expect (lib/kube/shapes.ts); undefined when it does not exist; any other failure is a
 * KubeError naming what was read.
 */
async function read<T>(kube: Kube, what: string, expected: Shape<T>, request: () => Promise<unknown>): Promise<T | undefined> {
  let answer: unknown;
  try {
    answer = await timed(kube, request);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw requestFailure(kube, `cannot read ${what}`, error);
  }
  const parsed = parseShape(answer, expected);
  if ("problem" in parsed) throw new KubeError(`cannot read ${what}: ${parsed.problem}`);
  return parsed.value;
}

async function daemonSetState(kube: Kube, where: { namespace: string; name: string }, withPods: boolean): Promise<DaemonSetState> {
  const daemonSet = await read(kube, `DaemonSet ${where.namespace}/${where.name}`, shapes.daemonSet, () => kube.get(`/apis/apps/v1/namespaces/${where.namespace}/daemonsets/${where.name}`));
  if (!daemonSet || !withPods) return { daemonSet };
  const labelSelector = Object.entries(daemonSet.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  const list = await read(kube, `the pods of DaemonSet ${where.namespace}/${where.name}`, shapes.podList,
    () => kube.get(`/api/v1/namespaces/${where.namespace}/pods`, { labelSelector }));
  const uid = daemonSet.metadata?.uid;
  const pods = (list?.items ?? []).filter((pod) => !uid || (pod.metadata?.ownerReferences ?? []).some((o) => o.uid === uid));
  return { daemonSet, pods };
}

export async function listNodes(kube: Kube): Promise<INode[]> {
  return (await read(kube, "the nodes", shapes.nodeList, () => kube.get("/api/v1/nodes")))?.items ?? [];
}

export async function readPod(kube: Kube, namespace: string, name: string): Promise<IPod | undefined> {
  return read(kube, `pod ${namespace}/${name}`, shapes.pod, () => kube.get(`/api/v1/namespaces/${namespace}/pods/${name}`));
}

/** The Warning events of this pod object (its UID, not just its name), oldest first. */
export async function podWarnings(kube: Kube, pod: IPod): Promise<string[]> {
  const { namespace = "default", name = "", uid } = pod.metadata ?? {};
  const fieldSelector = `involvedObject.kind=Pod,involvedObject.name=${name},${uid ? `involvedObject.uid=${uid},` : ""}type=Warning`;
  const list = await read(kube, `the events of pod ${namespace}/${name}`, shapes.eventList,
    () => kube.get(`/api/v1/namespaces/${namespace}/events`, { fieldSelector }));
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
      read(kube, `Deployment ${reconciler.namespace}/${reconciler.name}`, shapes.object,
        () => kube.get(`/apis/apps/v1/namespaces/${reconciler.namespace}/deployments/${reconciler.name}`)),
      Promise.all(pools.map(async ({ pool }) => [pool, await read(kube, `IPPool ${namespace}/${pool}`, shapes.object,
        () => kube.get(`/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/${namespace}/ippools/${pool}`))] as const)),
    ]);
    // Only its status.readyReplicas is judged.
    snapshot.whereabouts = { daemonSet, ...(deployment ? { reconciler: deployment as IDeployment } : {}), pools: Object.fromEntries(poolEntries) };
  }
  if (targets.multiNetworkPolicy) snapshot.multiNetworkPolicy = await daemonSetState(kube, targets.multiNetworkPolicy, true);
  return snapshot;
}

/** Everything the verifier judges, read once. */
export async function verifySnapshot(kube: Kube, config: StackConfig): Promise<VerifySnapshot> {
  const targets = verifyTargets(config);
  const nadEntries = await Promise.all(targets.nads.map(async (nad) => [
    `${nad.namespace}/${nad.name}`,
    await read(kube, `NetworkAttachmentDefinition ${nad.namespace}/${nad.name}`, shapes.object,
      () => kube.get(`/apis/k8s.cni.cncf.io/v1/namespaces/${nad.namespace}/network-attachment-definitions/${nad.name}`)),
  ] as const));
  const [nodes, multus, flannel, cniPlugins, calicoDaemonSet, installation] = await Promise.all([
    listNodes(kube),
    daemonSetState(kube, targets.multus, true),
    targets.flannel ? daemonSetState(kube, targets.flannel, true) : Promise.resolve(undefined),
    targets.cniPlugins ? daemonSetState(kube, targets.cniPlugins, true) : Promise.resolve(undefined),
    targets.calicoDaemonSet ? daemonSetState(kube, targets.calicoDaemonSet, false) : Promise.resolve(undefined),
    targets.installation
      ? read(kube, `Installation ${targets.installation}`, shapes.object,
        () => kube.get(`/apis/operator.tigera.io/v1/installations/${targets.installation!}`))
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
  const list = await read(kube, `${plural}.${group}/${version}`, shapes.objectList, () => kube.get(`/apis/${group}/${version}/${plural}`));
  return list?.items;
}

/** The resource (plural) of each kind multinet creates, for its API path. */
const plurals: Record<string, string> = {
  ServiceAccount: "serviceaccounts", ConfigMap: "configmaps", Secret: "secrets", Pod: "pods", DaemonSet: "daemonsets",
  ClusterRole: "clusterroles", ClusterRoleBinding: "clusterrolebindings", NetworkAttachmentDefinition: "network-attachment-definitions",
  Deployment: "deployments", CustomResourceDefinition: "customresourcedefinitions", MultiNetworkPolicy: "multi-networkpolicies",
};

/** The API path of one object multinet creates: /api/v1/… for the core group, /apis/<group>/<version>/… otherwise. */
function objectPath(o: ObjectRef): string {
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return `${base}${o.namespace ? `/namespaces/${o.namespace}` : ""}/${plurals[o.kind]}/${o.name}`;
}

/** Which of the objects multinet creates exist already; a read the API does not serve counts as absent. */
async function existingObjects(kube: Kube, config: StackConfig): Promise<ExistingObject[]> {
  const found = await Promise.all(objectsMultinetCreates(config).map(async (o) => {
    const object = await read(kube, `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`, shapes.metadataOf, () => kube.get(objectPath(o)));
    if (!object) return undefined;
    return { ...o, labels: object.metadata?.labels ?? {}, managers: (object.metadata?.managedFields ?? []).map((m) => m.manager ?? "") };
  }));
  return found.filter((o): o is ExistingObject => o !== undefined);
}

/** Everything the preflight judges. */
export async function preflightSnapshot(kube: Kube, config: StackConfig): Promise<PreflightSnapshot> {
  const [nodes, namespaces, existing, crdPools, installations, daemonSets] = await Promise.all([
    listNodes(kube),
    read(kube, "the namespaces", shapes.namespaceList, () => kube.get("/api/v1/namespaces")).then((list) => list?.items ?? []),
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
