/**
 * The HTTP transport under client-node's API classes, in place of its node-fetch one
 * (@kubernetes/client-node 1.4.0 dist/gen/http/isomorphic-fetch.js: no size limit, redirects
 * followed, a body that stops half-way only noticed by the caller): every answer is read whole
 * within the request's AbortSignal and a size cap, never followed to another address, and one that
 * is not the Kubernetes API (HTML, a redirect, not JSON) is said to be that, in one sentence.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { ResponseContext, wrapHttpLibrary, type HttpLibrary, type RequestContext } from "@kubernetes/client-node";
import { oneLine } from "../verify/findings";

/** The largest answer read: a node list of a few thousand nodes fits many times over. */
export const defaultMaxResponseBytes = 64 * 1024 * 1024;

/**
 * A failure of the transport, already one sentence. `transient`: another attempt may succeed
 * (the connection dropped); otherwise the server is not a usable Kubernetes API (HTML, a redirect,
 * an answer over the cap) and asking again will not change that.
 */
export class TransportError extends Error {
  constructor(message: string, readonly transient: boolean) {
    super(message);
  }
}

export const formatBytes = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${+(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`;

/** The start of a body or a message from the server, one printable line, short, for a message of ours. */
export function preview(body: Buffer | string, max = 60): string {
  const text = oneLine(typeof body === "string" ? body : body.subarray(0, max * 4).toString("utf8"));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const looksLikeHtml = (contentType: string, body: Buffer) =>
  /^text\/html\b/i.test(contentType) || /^\s*<(!doctype|html|head|body)\b/i.test(body.subarray(0, 512).toString("utf8"));

/** The origin (scheme://host:port) of a URL, for messages; the path may carry nothing secret but is long. */
const origin = (url: string) => { try { return new URL(url).origin; } catch { return url; } };

/** Reads the body whole, failing once it passes `maxBytes` or the connection closes before its end. */
function readBody(response: IncomingMessage, what: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new TransportError(`the answer to ${what} is larger than ${formatBytes(maxBytes)}, the cap for one answer: not read further`, false));
        return;
      }
      chunks.push(chunk);
    });
    // `aborted`/`error` fire when the server closes the connection before the end of the body.
    response.on("error", () => reject(new TransportError(`the connection closed in the middle of the answer to ${what} (${formatBytes(size)} read)`, true)));
    response.on("end", () => {
      if (!response.complete) reject(new TransportError(`the connection closed in the middle of the answer to ${what} (${formatBytes(size)} read)`, true));
      else resolve(Buffer.concat(chunks));
    });
  });
}

/** What the server answered, judged: a redirect or HTML is refused; a 2xx must be JSON. */
function judgeAnswer(url: string, what: string, response: IncomingMessage, body: Buffer): void {
  const status = response.statusCode ?? 0;
  const contentType = String(response.headers["content-type"] ?? "");
  if (status >= 300 && status < 400) {
    const location = response.headers.location ? ` to ${origin(new URL(response.headers.location, url).href)}` : "";
    // A Kubernetes API server does not redirect API requests; following one would hand the
    // credentials to whatever it points at.
    throw new TransportError(`the server at ${origin(url)} answered ${what} with a redirect (${status})${location}: not followed, and not the Kubernetes API`, false);
  }
  if (looksLikeHtml(contentType, body)) {
    throw new TransportError(`the server at ${origin(url)} answered ${what} with HTML (HTTP ${status}: "${preview(body)}"), not the Kubernetes API: check the cluster's server address and any proxy in between`, false);
  }
  if (status >= 200 && status < 300) {
    try {
      JSON.parse(body.toString("utf8"));
    } catch {
      const shown = body.length ? `"${preview(body)}"` : "an empty body";
      throw new TransportError(`the server at ${origin(url)} answered ${what} with ${shown}, not JSON: not the Kubernetes API`, false);
    }
  }
}

/** One request: the agent client-node's auth chose (TLS, client certificates), the headers, the signal. */
export function send(context: RequestContext, maxBytes: number): Promise<ResponseContext> {
  const url = context.getUrl();
  const method = context.getHttpMethod().toString();
  const what = `${method} ${new URL(url).pathname}`;
  const signal = context.getSignal();
  const body = context.getBody();
  const request = (url.startsWith("https:") ? httpsRequest : httpRequest)(url, {
    method,
    headers: context.getHeaders(),
    agent: context.getAgent(),
    ...(signal ? { signal } : {}),
  });
  return new Promise<ResponseContext>((resolve, reject) => {
    request.on("error", (error) => reject(signal?.aborted ? signal.reason : error));
    request.on("response", (response) => {
      readBody(response, what, maxBytes).then((buffer) => {
        judgeAnswer(url, what, response, buffer);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = String(value);
        resolve(new ResponseContext(response.statusCode ?? 0, headers, {
          text: () => Promise.resolve(buffer.toString("utf8")),
          binary: () => Promise.resolve(buffer),
        }));
      }).catch((error: unknown) => reject(signal?.aborted ? signal.reason : error));
    });
    if (body !== undefined && body !== null) request.write(typeof body === "string" ? body : String(body));
    request.end();
  });
}

/** The transport for createConfiguration's `httpApi`. */
export function cappedHttpLibrary(maxBytes = defaultMaxResponseBytes): HttpLibrary {
  return wrapHttpLibrary({ send: (context) => send(context, maxBytes) });
}
