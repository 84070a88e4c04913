/**
 * The thin shell around @kubernetes/client-node for scripts/verify.ts: connect to the current kube
 * context (failing within seconds, with a sentence, when there is none or the API is unreachable),
 * read the objects the checks in lib/verify/ judge, exec `cat /proc/net/route` in a pod, run the
 * optional peer pod. Every request has a deadline; every wait is a bounded poll.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import {
  ApiException, AppsV1Api, CoreV1Api, createConfiguration, CustomObjectsApi, Exec, KubeConfig, ServerConfiguration, VersionApi,
  type Configuration, type RequestContext, type ResponseContext, type V1Pod, type V1Status,
} from "@kubernetes/client-node";
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { StackConfig } from "../config";
import { calicoDaemonSetCandidates, type PreflightSnapshot } from "../verify/preflight";
import { isVerifierPeer, pingCommand, type PingResult } from "../verify/peer";
import { podWarningMessages, verifyTargets, type ApiObject, type DaemonSetState, type PodEvent, type VerifySnapshot } from "../verify/verify";

/** A failure the user can act on; its message is printed as is, without a stack trace. */
export class KubeError extends Error {
  /** The HTTP status the API server answered with, when it answered. */
  readonly status?: number;

  constructor(message: string, status?: number) {
    super(message);
    if (status !== undefined) this.status = status;
  }
}

/** The credentials were rejected or lack a permission: waiting will not change that. */
export function isAuthError(error: unknown): boolean {
  return error instanceof KubeError && (error.status === 401 || error.status === 403);
}

/** A failed request worth another attempt before the deadline: timeouts, 429, 5xx, dropped connections. */
export function isRetryable(error: unknown): boolean {
  return error instanceof KubeError && !isAuthError(error);
}

export interface KubeOptions {
  /** Context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** Deadline of the first request, which proves the API server is there. */
  connectTimeoutMs?: number;
  /** Deadline of every later request. */
  requestTimeoutMs?: number;
}

export interface Kube {
  context: string;
  server: string;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  exec: Exec;
  requestTimeoutMs: number;
}

/** Where the kubeconfig comes from, in the words kubectl users know. */
function kubeconfigSource(): string | undefined {
  if (process.env.KUBECONFIG) return `KUBECONFIG=${process.env.KUBECONFIG}`;
  const file = path.join(homedir(), ".kube", "config");
  if (existsSync(file)) return file;
  if (process.env.KUBERNETES_SERVICE_HOST) return "the in-cluster service account";
  return undefined;
}

const networkCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN", "EPIPE"]);

/** One sentence for any error a request can end with. */
export function describeRequestError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: unknown; message?: string; body?: unknown };
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return `no answer within ${timeoutMs / 1000}s`;
  if (error instanceof ApiException) {
    const body = typeof e.body === "string" ? (() => { try { return JSON.parse(e.body as string) as { message?: string }; } catch { return undefined; } })() : e.body as { message?: string } | undefined;
    const message = body?.message ?? "";
    if (error.code === 401) return `401 Unauthorized: the credentials of the context were rejected${message ? ` (${message})` : ""}`;
    if (error.code === 403) return `403 Forbidden${message ? `: ${message}` : ""}`;
    return `HTTP ${error.code}${message ? `: ${message}` : ""}`;
  }
  const reason = (e?.message ?? String(error)).replace(/^request to \S+ failed, reason: /, "");
  return reason;
}

const isNotFound = (error: unknown) => error instanceof ApiException && error.code === 404;

/** Resolves with the promise's value, or rejects with a KubeError after `ms` (whatever hangs: auth plugins, sockets). */
function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeError(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function apiConfiguration(kc: KubeConfig, server: string, timeoutMs: number): Configuration {
  const deadline = {
    pre: (context: RequestContext) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return Promise.resolve(context);
    },
    post: (response: ResponseContext) => Promise.resolve(response),
  };
  return createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: kc }, promiseMiddleware: [deadline] });
}

/**
 * Loads the kubeconfig the way kubectl does, picks the context and asks the API server for its
 * version: a missing kubeconfig or context, an unreachable server or rejected credentials end
 * here, within `connectTimeoutMs`, as a KubeError that says which.
 */
export async function connect(options: KubeOptions = {}): Promise<Kube> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 20000;
  const source = kubeconfigSource();
  if (!source) throw new KubeError("no kubeconfig: set KUBECONFIG or create ~/.kube/config (kubectl config view shows what kubectl uses)");

  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    throw new KubeError(`cannot load the kubeconfig (${source}): ${(error as Error).message}`);
  }
  if (options.context) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new KubeError(`no kube context "${options.context}" in ${source} (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
    }
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  if (!context || !kc.getContextObject(context)) {
    throw new KubeError(`no current kube context in ${source}: run \`kubectl config use-context <name>\` or pass --context <name>`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new KubeError(`kube context "${context}" (${source}) names no cluster with a server address`);

  const server = cluster.server;
  const unreachable = (reason: string) => new KubeError(`cannot reach the Kubernetes API server ${server} (context "${context}"): ${reason}`);
  try {
    await withDeadline(new VersionApi(apiConfiguration(kc, server, connectTimeoutMs)).getCode(), connectTimeoutMs + 1000,
      `no answer within ${connectTimeoutMs / 1000}s`);
  } catch (error) {
    if (error instanceof KubeError) throw unreachable(error.message);
    if (isNotFound(error)) throw unreachable("it answered 404 on /version: not a Kubernetes API server");
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && !networkCodes.has(code) && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/i.test(code)) {
      throw unreachable(`TLS: ${describeRequestError(error, connectTimeoutMs)}`);
    }
    throw unreachable(describeRequestError(error, connectTimeoutMs));
  }

  const configuration = apiConfiguration(kc, server, requestTimeoutMs);
  return {
    context,
    server,
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    exec: new Exec(kc),
    requestTimeoutMs,
  };
}

/**
 * client-node hands back class instances (Dates for timestamps); the checks judge the wire form,
 * as `kubectl get -o json` prints it.
 */
function wire<T>(object: unknown): T {
  return JSON.parse(JSON.stringify(object)) as T;
}

/**
 * `request()` within the request deadline. The AbortSignal of apiConfiguration starts only after
 * authentication, so an exec credential plugin that hangs is cut off here.
 */
function timed<T>(kube: Kube, request: () => Promise<T>): Promise<T> {
  return withDeadline(request(), kube.requestTimeoutMs + 1000, `no answer within ${kube.requestTimeoutMs / 1000}s`);
}

const statusOf = (error: unknown) => (error instanceof ApiException ? error.code : undefined);

/** The object, undefined when it does not exist; any other failure is a KubeError naming what was read. */
async function read<T>(kube: Kube, what: string, request: () => Promise<unknown>): Promise<T | undefined> {
  try {
    return wire<T>(await timed(kube, request));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    const reason = error instanceof KubeError ? error.message : describeRequestError(error, kube.requestTimeoutMs);
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

async function readPod(kube: Kube, namespace: string, name: string): Promise<IPod | undefined> {
  return read<IPod>(kube, `pod ${namespace}/${name}`, () => kube.core.readNamespacedPod({ name, namespace }));
}

/** The Warning events of this pod object (its UID, not just its name), oldest first. */
async function podWarnings(kube: Kube, pod: IPod): Promise<string[]> {
  const { namespace = "default", name = "", uid } = pod.metadata ?? {};
  const fieldSelector = `involvedObject.kind=Pod,involvedObject.name=${name},${uid ? `involvedObject.uid=${uid},` : ""}type=Warning`;
  const list = await read<{ items: PodEvent[] }>(kube, `the events of pod ${namespace}/${name}`,
    () => kube.core.listNamespacedEvent({ namespace, fieldSelector }));
  return podWarningMessages(list?.items ?? [], uid);
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a command in a pod's container (no TTY, no stdin) and collects its output and exit code. */
export async function execInPod(kube: Kube, pod: { namespace: string; name: string; container: string }, command: string[], timeoutMs: number): Promise<ExecResult> {
  let stdout = "";
  let stderr = "";
  let status: V1Status | undefined;
  const sink = (append: (text: string) => void) => new Writable({
    write(chunk: Buffer, _encoding, callback) {
      append(chunk.toString("utf8"));
      callback();
    },
  });
  const what = `\`${command.join(" ")}\` in ${pod.namespace}/${pod.name}`;
  const finished = (async () => {
    const socket = await kube.exec.exec(pod.namespace, pod.name, pod.container, command,
      sink((t) => { stdout += t; }), sink((t) => { stderr += t; }), null, false, (s) => { status = s; });
    await new Promise<void>((resolve) => {
      if (socket.readyState === socket.CLOSED) resolve();
      else socket.on("close", () => resolve());
    });
    return socket;
  })();
  try {
    await withDeadline(finished, timeoutMs, `${what} did not finish within ${timeoutMs / 1000}s`);
  } catch (error) {
    void finished.then((socket) => socket.close(), () => undefined);
    if (error instanceof KubeError) throw error;
    throw new KubeError(`cannot exec ${what}: ${describeRequestError(error, timeoutMs)}`);
  }
  if (!status) throw new KubeError(`${what}: the API server closed the stream without an exit status`);
  if (status.status === "Success") return { stdout, stderr, exitCode: 0 };
  const exitCause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (exitCause) return { stdout, stderr, exitCode: Number(exitCause.message) };
  throw new KubeError(`${what}: ${status.message ?? status.reason ?? "failed"}`);
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

/** Everything the verifier judges, read once. */
export async function verifySnapshot(kube: Kube, config: StackConfig): Promise<VerifySnapshot> {
  const targets = verifyTargets(config);
  const nadEntries = await Promise.all(targets.nads.map(async (nad) => [
    `${nad.namespace}/${nad.name}`,
    await read<ApiObject>(kube, `NetworkAttachmentDefinition ${nad.namespace}/${nad.name}`,
      () => kube.custom.getNamespacedCustomObject({ group: "k8s.cni.cncf.io", version: "v1", namespace: nad.namespace, plural: "network-attachment-definitions", name: nad.name })),
  ] as const));
  const [nodes, multus, flannel, calicoDaemonSet, installation] = await Promise.all([
    listNodes(kube),
    daemonSetState(kube, targets.multus, true),
    targets.flannel ? daemonSetState(kube, targets.flannel, true) : Promise.resolve(undefined),
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
    calico: { daemonSet: calicoDaemonSet?.daemonSet, installation },
    nads: Object.fromEntries(nadEntries),
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

/** Everything the preflight judges. */
export async function preflightSnapshot(kube: Kube, config: StackConfig): Promise<PreflightSnapshot> {
  const [nodes, crdPools, installations, daemonSets] = await Promise.all([
    listNodes(kube),
    listCustom(kube, "crd.projectcalico.org", "v1", "ippools"),
    listCustom(kube, "operator.tigera.io", "v1", "installations"),
    Promise.all(calicoDaemonSetCandidates(config).map((where) => daemonSetState(kube, where, false))),
  ]);
  // The Calico API server (projectcalico.org/v3) serves the same pools where the CRDs are not readable.
  const v3Pools = crdPools ? undefined : await listCustom(kube, "projectcalico.org", "v3", "ippools");
  const ipPools = crdPools ? { api: "crd.projectcalico.org/v1", pools: crdPools } : v3Pools ? { api: "projectcalico.org/v3", pools: v3Pools } : undefined;
  return {
    nodes,
    ...(ipPools ? { ipPools } : {}),
    calico: {
      daemonSets: daemonSets.flatMap((state) => (state.daemonSet ? [state.daemonSet] : [])),
      ...(installations ? { installations } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------------------------

/**
 * Calls `attempt` until it reports done or the deadline passes, `intervalMs` apart: a bounded poll.
 * Returns the last value and whether it gave up.
 */
export async function pollUntil<T>(attempt: () => Promise<{ done: boolean; value: T }>, deadline: number, intervalMs = 3000): Promise<{ value: T; timedOut: boolean }> {
  for (;;) {
    const { done, value } = await attempt();
    if (done) return { value, timedOut: false };
    const left = deadline - Date.now();
    if (left <= 0) return { value, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

// ---------------------------------------------------------------------------------------------
// The peer pod for the ping
// ---------------------------------------------------------------------------------------------

/** `readPod`, with a retryable failure read as "not known yet" (undefined value, `failed` set) so a poll goes on. */
async function readPodOrRetry(kube: Kube, namespace: string, name: string): Promise<{ pod?: IPod; failed?: string }> {
  try {
    return { pod: await readPod(kube, namespace, name) };
  } catch (error) {
    if (!isRetryable(error)) throw error;
    return { failed: (error as Error).message };
  }
}

/**
 * Creates the peer pod (replacing a leftover of an earlier run, never a pod that is not the
 * verifier's) and waits until it runs with its attachments. `uid` is set once the pod was created.
 */
export async function startPeer(kube: Kube, pod: IPod, deadline: number): Promise<{ pod: IPod; uid: string } | { error: string; uid?: string }> {
  const namespace = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  const leftover = await deletePeer(kube, namespace, name);
  if (leftover) return { error: `cannot replace ${namespace}/${name}: ${leftover}` };
  const gone = await pollUntil(async () => {
    const read = await readPodOrRetry(kube, namespace, name);
    return { done: !read.failed && !read.pod, value: undefined };
  }, deadline, 1000);
  if (gone.timedOut) return { error: `a leftover pod ${namespace}/${name} did not go away` };
  let uid: string;
  try {
    const created = await timed(kube, () => kube.core.createNamespacedPod({ namespace, body: pod as V1Pod }));
    uid = created.metadata?.uid ?? "";
  } catch (error) {
    const reason = error instanceof KubeError ? error.message : describeRequestError(error, kube.requestTimeoutMs);
    return { error: `cannot create the peer pod ${namespace}/${name}: ${reason}` };
  }
  const started = await pollUntil(async () => {
    const { pod: current, failed } = await readPodOrRetry(kube, namespace, name);
    const running = current?.status?.phase === "Running" && Boolean(current.metadata?.annotations?.["k8s.v1.cni.cncf.io/network-status"]);
    return { done: running || current?.status?.phase === "Failed", value: { current, failed } };
  }, deadline);
  const { current, failed } = started.value;
  // Running without network-status at the deadline still returns: the ping finding then says so.
  if (current?.status?.phase === "Running") return { pod: current, uid };
  let why = failed ? `; last read: ${failed}` : "";
  if (current) {
    try {
      const warnings = await podWarnings(kube, current);
      if (warnings.length) why = `; last warning: ${warnings[warnings.length - 1]}`;
    } catch (error) {
      if (!isRetryable(error)) throw error;
    }
  }
  const phase = failed ? "unknown" : current?.status?.phase ?? "gone";
  return { uid, error: `the peer pod ${namespace}/${name} is ${phase}${started.timedOut ? " at the deadline (multinet:verification.timeoutSeconds)" : ""}${why}` };
}

/**
 * Deletes the peer pod, but only a pod that carries the verifier's labels (and, when `uid` is
 * given, is the one this run created): a pod of someone else's that happens to have the name is
 * left alone. Returns why it did not delete, or undefined when the pod is gone or was deleted;
 * never throws for API failures, which end up as a note.
 */
export async function deletePeer(kube: Kube, namespace: string, name: string, uid?: string): Promise<string | undefined> {
  const ref = `${namespace}/${name}`;
  let current: IPod | undefined;
  try {
    current = await readPod(kube, namespace, name);
  } catch (error) {
    if (error instanceof KubeError) return `cannot check the peer pod ${ref} before deleting it: ${error.message}`;
    throw error;
  }
  if (!current) return undefined;
  if (!isVerifierPeer(current)) return `pod ${ref} is not the verifier's peer (its labels lack app.kubernetes.io/component=verification-peer): left alone`;
  if (uid && current.metadata?.uid !== uid) return `pod ${ref} is no longer the one this run created: left alone`;
  try {
    // The UID precondition: delete exactly the pod whose labels were just checked.
    await timed(kube, () => kube.core.deleteNamespacedPod({
      name, namespace, gracePeriodSeconds: 0, body: { preconditions: { uid: current.metadata?.uid } },
    }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    const reason = error instanceof KubeError ? error.message : describeRequestError(error, kube.requestTimeoutMs);
    return `cannot delete the peer pod ${ref}: ${reason}`;
  }
  return undefined;
}

/** Pings `target` from the peer pod through `ifname`. */
export async function ping(kube: Kube, peer: { namespace: string; name: string; container: string }, ifname: string, target: string): Promise<PingResult> {
  try {
    const result = await execInPod(kube, peer, pingCommand(ifname, target), 20000);
    return { exitCode: result.exitCode, output: `${result.stdout}${result.stderr}` };
  } catch (error) {
    if (error instanceof KubeError) return { exitCode: -1, output: error.message };
    throw error;
  }
}
