/**
 * The errors a request can end with, as one sentence each: KubeError (what the user can act on,
 * printed without a stack trace), and which of them are worth another attempt.
 */
import { ApiException } from "@kubernetes/client-node";
import { DeadlineError } from "./deadline";
import { preview, TransportError } from "./http";

/** A failure the user can act on; its message is printed as is, without a stack trace. */
export class KubeError extends Error {
  /** The HTTP status the API server answered with, when it answered. */
  readonly status?: number;
  /** Asking again will not help: the server is not a usable Kubernetes API (HTML, a redirect, an answer over the cap). */
  readonly permanent: boolean;

  constructor(message: string, status?: number, permanent = false) {
    super(message);
    if (status !== undefined) this.status = status;
    this.permanent = permanent;
  }
}

/** The credentials were rejected or lack a permission: waiting will not change that. */
export function isAuthError(error: unknown): boolean {
  return error instanceof KubeError && (error.status === 401 || error.status === 403);
}

/**
 * A failed request worth another attempt before the deadline: timeouts, 429, 5xx, dropped
 * connections, answers of the wrong shape.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof KubeError && !isAuthError(error) && !error.permanent;
}

/** The transport found the server is not a usable Kubernetes API. */
export const isPermanent = (error: unknown) => error instanceof TransportError && !error.transient;
export const networkCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN", "EPIPE"]);

/** One sentence for any error a request can end with. */
export function describeRequestError(error: unknown, timeoutMs: number): string {
  if (error instanceof DeadlineError || error instanceof TransportError || error instanceof KubeError) return error.message;
  const e = error as { name?: string; code?: unknown; message?: string; body?: unknown };
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return `no answer within ${timeoutMs / 1000}s`;
  if (error instanceof ApiException) {
    const body = typeof e.body === "string" ? (() => { try { return JSON.parse(e.body as string) as { message?: string }; } catch { return undefined; } })() : e.body as { message?: string } | undefined;
    // The server's words, made one short printable line: it may say anything.
    const message = typeof body?.message === "string" ? preview(body.message, 300) : "";
    if (error.code === 401) return `401 Unauthorized: the credentials of the context were rejected${message ? ` (${message})` : ""}`;
    if (error.code === 403) return `403 Forbidden${message ? `: ${message}` : ""}`;
    return `HTTP ${error.code}${message ? `: ${message}` : ""}`;
  }
  // client-node's models trip over an answer of the wrong shape (a write's answer, read through them).
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return "the API server's answer could not be read (not the shape of a Kubernetes object)";
  const reason = (e?.message ?? String(error)).replace(/^request to \S+ failed, reason: /, "");
  // OpenSSL's own text spans lines and names its source files: keep its reason.
  const openssl = /SSL routines:[^:]*:([^:\n]+)/.exec(reason);
  if (openssl) return `TLS failed: ${openssl[1]}${e?.code ? ` (${String(e.code)})` : ""}`;
  return preview(reason.split("\n")[0], 300);
}

export const isNotFound = (error: unknown) => error instanceof ApiException && error.code === 404;
export const statusOf = (error: unknown) => (error instanceof ApiException ? error.code : undefined);
