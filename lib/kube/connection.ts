/**
 * The connection to the Kubernetes API: load the kubeconfig the way kubectl does, pick the context
 * and prove the API server is there (failing within seconds, with a sentence, when it is not);
 * the errors a request can end with, each request's deadline, and the bounded poll every wait uses.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import {
  ApiException, AppsV1Api, CoreV1Api, createConfiguration, CustomObjectsApi, Exec, KubeConfig, RbacAuthorizationV1Api, ServerConfiguration, VersionApi,
  type Configuration, type RequestContext, type ResponseContext,
} from "@kubernetes/client-node";

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
  /** Where KUBECONFIG and HOME are read: the process's environment unless given. */
  env?: NodeJS.ProcessEnv;
}

export interface Kube {
  context: string;
  server: string;
  core: CoreV1Api;
  apps: AppsV1Api;
  rbac: RbacAuthorizationV1Api;
  custom: CustomObjectsApi;
  exec: Exec;
  requestTimeoutMs: number;
}

/** Where the kubeconfig comes from, in the words kubectl users know, and how to load it (kubectl's order). */
function kubeconfigSource(env: NodeJS.ProcessEnv): { source: string; load: (kc: KubeConfig) => void } | undefined {
  if (env.KUBECONFIG) {
    const [first, ...more] = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    return {
      source: `KUBECONFIG=${env.KUBECONFIG}`,
      load: (kc) => {
        kc.loadFromFile(first);
        for (const file of more) {
          const next = new KubeConfig();
          next.loadFromFile(file);
          kc.mergeConfig(next);
        }
      },
    };
  }
  const file = path.join(env.HOME ?? homedir(), ".kube", "config");
  if (existsSync(file)) return { source: file, load: (kc) => kc.loadFromFile(file) };
  if (env.KUBERNETES_SERVICE_HOST) return { source: "the in-cluster service account", load: (kc) => kc.loadFromCluster() };
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

export const isNotFound = (error: unknown) => error instanceof ApiException && error.code === 404;

/** Resolves with the promise's value, or rejects with a KubeError after `ms` (whatever hangs: auth plugins, sockets). */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
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
  const found = kubeconfigSource(options.env ?? process.env);
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
    rbac: new RbacAuthorizationV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    exec: new Exec(kc),
    requestTimeoutMs,
  };
}

/**
 * `request()` within the request deadline. The AbortSignal of apiConfiguration starts only after
 * authentication, so an exec credential plugin that hangs is cut off here.
 */
export function timed<T>(kube: Kube, request: () => Promise<T>): Promise<T> {
  return withDeadline(request(), kube.requestTimeoutMs + 1000, `no answer within ${kube.requestTimeoutMs / 1000}s`);
}

/** Why a request failed, in one sentence: a KubeError's own message (a deadline), else the API's answer. */
export function failureReason(kube: Kube, error: unknown): string {
  return error instanceof KubeError ? error.message : describeRequestError(error, kube.requestTimeoutMs);
}

export const statusOf = (error: unknown) => (error instanceof ApiException ? error.code : undefined);

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
