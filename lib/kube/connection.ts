/**
 * The connection to the Kubernetes API: load the kubeconfig the way kubectl does, pick the context,
 * get the credential (lib/kube/kubeconfig.ts) and prove the API server is there (failing within
 * seconds, with a sentence, when it is not); then every request within its own time-out and the
 * run's deadline (lib/kube/deadline.ts), through the capped transport (lib/kube/http.ts), and the
 * bounded poll every wait uses. The errors are lib/kube/errors.ts.
 */
import {
  ApiException, CoreV1Api, createConfiguration, HttpMethod, KubeConfig, RequestContext, ServerConfiguration, VersionApi,
  type Configuration, type ResponseContext,
} from "@kubernetes/client-node";
import { WebSocketHandler } from "@kubernetes/client-node/dist/web-socket-handler.js";
import { RunDeadline } from "./deadline";
import { describeRequestError, isNotFound, isPermanent, KubeError, networkCodes, statusOf } from "./errors";
import { cappedHttpLibrary, defaultMaxResponseBytes, send, TransportError } from "./http";
import { kubeconfigSource, resolveCredentialPlugin } from "./kubeconfig";

export { describeRequestError, isAuthError, isNotFound, isRetryable, KubeError, statusOf } from "./errors";

export interface KubeOptions {
  /** Context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** Deadline of the first request, which proves the API server is there. */
  connectTimeoutMs?: number;
  /** Deadline of every later request. */
  requestTimeoutMs?: number;
  /** How far apart the verifier's reads of the cluster start while it waits (lib/kube/attempts.ts). */
  attemptIntervalMs?: number;
  /** How far apart the reads of the ping's peer pod start while it starts (lib/kube/peer.ts). */
  peerPollMs?: number;
  /** Where KUBECONFIG and HOME are read: the process's environment unless given. */
  env?: NodeJS.ProcessEnv;
  /** The run's deadline, which every request and exec stream is cut off at; none unless given. */
  deadline?: RunDeadline;
  /** The largest API answer read (lib/kube/http.ts). */
  maxResponseBytes?: number;
  /** The exec credential plugin's own time-out (the run's deadline applies too). */
  credentialTimeoutMs?: number;
}

export interface Kube {
  context: string;
  server: string;
  /** Writes (the ping's peer pod). */
  core: CoreV1Api;
  /**
   * GET `path` (with `query`): the answer as the API server sent it, parsed JSON, not through
   * client-node's models (which drop or mangle fields of the wrong type); a non-2xx answer is an
   * ApiException carrying the status and body.
   */
  get(path: string, query?: Record<string, string>): Promise<unknown>;
  /** Opens exec streams (lib/kube/exec.ts). */
  exec: WebSocketHandler;
  requestTimeoutMs: number;
  attemptIntervalMs: number;
  peerPollMs: number;
  deadline: RunDeadline;
}

/**
 * Resolves with the promise's value, or rejects with a KubeError after `ms` (whatever hangs:
 * sockets, streams), or with the signal's reason once it aborts (the run's deadline).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeError(message)), ms);
    if (!signal) return;
    onAbort = () => reject(new KubeError((signal.reason as Error).message));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort);
  });
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  });
}

/**
 * A request's signal: aborted after `ms` or at the run's deadline, whichever comes first. Its own
 * timer, not AbortSignal.timeout: a timeout signal held only by AbortSignal.any() can be garbage
 * collected before it fires (nodejs/node#57736, fix in review as #57867). `done` ends the timer and
 * the listener once the answer is in.
 */
export function requestSignal(run: RunDeadline, ms: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms / 1000}s`, "TimeoutError")), ms);
  timer.unref();
  const onDeadline = () => controller.abort(run.signal.reason);
  if (run.signal.aborted) onDeadline();
  else run.signal.addEventListener("abort", onDeadline, { once: true });
  const done = () => {
    clearTimeout(timer);
    run.signal.removeEventListener("abort", onDeadline);
  };
  controller.signal.addEventListener("abort", done, { once: true });
  return { signal: controller.signal, done };
}

/** Every request ends at its own time-out or the run's deadline, whichever comes first. */
function apiConfiguration(kc: KubeConfig, server: string, timeoutMs: number, run: RunDeadline, maxBytes: number): Configuration {
  const deadline = {
    pre: (context: RequestContext) => {
      context.setSignal(requestSignal(run, timeoutMs).signal);
      return Promise.resolve(context);
    },
    post: (response: ResponseContext) => Promise.resolve(response),
  };
  return createConfiguration({
    baseServer: new ServerConfiguration(server, {}), authMethods: { default: kc }, promiseMiddleware: [deadline], httpApi: cappedHttpLibrary(maxBytes),
  });
}

/**
 * Loads the kubeconfig the way kubectl does, picks the context and asks the API server for its
 * version: a missing kubeconfig or context, an unreachable server or rejected credentials end
 * here, within `connectTimeoutMs`, as a KubeError that says which.
 */
export async function connect(options: KubeOptions = {}): Promise<Kube> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 20000;
  const env = options.env ?? process.env;
  const deadline = options.deadline ?? new RunDeadline(Number.MAX_SAFE_INTEGER, "no deadline");
  const maxBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
  const found = kubeconfigSource(env);
  if (!found) throw new KubeError("no kubeconfig: set KUBECONFIG or create ~/.kube/config (kubectl config view shows what kubectl uses)");
  const { source } = found;

  const kc = new KubeConfig();
  try {
    found.load(kc);
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

  await resolveCredentialPlugin(kc, context, { env, timeoutMs: options.credentialTimeoutMs ?? 30000, deadline });

  const server = cluster.server;
  const connectTimeoutMs = Math.min(options.connectTimeoutMs ?? 5000, Math.max(1, deadline.left));
  const unreachable = (reason: string, permanent = false) => new KubeError(`cannot reach the Kubernetes API server ${server} (context "${context}"): ${reason}`, undefined, permanent);
  try {
    await withDeadline(new VersionApi(apiConfiguration(kc, server, connectTimeoutMs, deadline, maxBytes)).getCode(), connectTimeoutMs + 1000,
      `no answer within ${connectTimeoutMs / 1000}s`, deadline.signal);
  } catch (error) {
    if (error instanceof TransportError) throw new KubeError(`kube context "${context}": ${error.message}`, undefined, !error.transient);
    if (error instanceof KubeError) throw unreachable(error.message);
    if (isNotFound(error)) throw unreachable("it answered 404 on /version: not a Kubernetes API server");
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && !networkCodes.has(code) && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/i.test(code)) {
      throw unreachable(`TLS: ${describeRequestError(error, connectTimeoutMs)}`);
    }
    throw unreachable(describeRequestError(error, connectTimeoutMs));
  }

  const configuration = apiConfiguration(kc, server, requestTimeoutMs, deadline, maxBytes);
  const get = async (apiPath: string, query: Record<string, string> = {}) => {
    const search = new URLSearchParams(query).toString();
    const request = new RequestContext(`${server.replace(/\/+$/, "")}${apiPath}${search ? `?${search}` : ""}`, HttpMethod.GET);
    request.setHeaderParam("Accept", "application/json");
    await kc.applySecurityAuthentication(request);
    const signal = requestSignal(deadline, requestTimeoutMs);
    request.setSignal(signal.signal);
    const response = await send(request, maxBytes).finally(signal.done);
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode >= 300) {
      throw new ApiException(response.httpStatusCode, `HTTP ${response.httpStatusCode}`, text, response.headers);
    }
    return JSON.parse(text) as unknown;
  };
  return {
    context,
    server,
    core: new CoreV1Api(configuration),
    get,
    exec: new WebSocketHandler(kc),
    requestTimeoutMs,
    attemptIntervalMs: options.attemptIntervalMs ?? 5000,
    peerPollMs: options.peerPollMs ?? 3000,
    deadline,
  };
}

/**
 * `request()` within the request deadline and the run's: a stand-in for the signal where a request
 * (a stub, a write through client-node's API classes) might not honour it.
 */
export function timed<T>(kube: Kube, request: () => Promise<T>): Promise<T> {
  return withDeadline(request(), kube.requestTimeoutMs + 1000, `no answer within ${kube.requestTimeoutMs / 1000}s`, kube.deadline.signal);
}

/** Why a request failed, in one sentence: a KubeError's own message (a deadline), else the API's answer. */
export function failureReason(kube: Kube, error: unknown): string {
  return describeRequestError(error, kube.requestTimeoutMs);
}

/** A failed request as a KubeError that says what was being done, keeping its status and whether to retry. */
export function requestFailure(kube: Kube, doing: string, error: unknown): KubeError {
  return new KubeError(`${doing}: ${failureReason(kube, error)}`, statusOf(error) ?? (error instanceof KubeError ? error.status : undefined),
    isPermanent(error) || (error instanceof KubeError && error.permanent));
}


/** How long before the deadline the last attempt of a poll starts, so it can finish by it. */
const lastAttemptMs = 1000;

/**
 * Calls `attempt` until it reports done or the deadline passes, `intervalMs` apart, the last one a
 * second before the deadline: a bounded poll. `signal` (the run's deadline) ends the waiting early.
 * Returns the last value and whether it gave up.
 */
export async function pollUntil<T>(attempt: () => Promise<{ done: boolean; value: T }>, deadline: number, intervalMs = 3000, signal?: AbortSignal): Promise<{ value: T; timedOut: boolean }> {
  for (let last = false; ;) {
    const { done, value } = await attempt();
    if (done) return { value, timedOut: false };
    const left = deadline - Date.now();
    if (last || left <= 0 || signal?.aborted) return { value, timedOut: true };
    last = left <= intervalMs + lastAttemptMs;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, last ? Math.max(0, left - lastAttemptMs) : intervalMs);
      function finish() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", finish);
        resolve();
      }
      signal?.addEventListener("abort", finish);
    });
  }
}
