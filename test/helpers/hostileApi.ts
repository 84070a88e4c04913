/**
 * The ways an API server can misbehave, as hooks for test/fixtures/verify/fakeApiServer.ts: answers
 * that hang, drip, never end, stop half-way, are HTML or redirects, are not HTTP at all; exec
 * streams that flood, hang or speak garbage. Plus the expected-verdict check every behaviour of the
 * hostile corpus (test/verifyHostile.test.ts) goes through. Only 127.0.0.1 is used.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { acceptExec, channelFrame, frame, type Hooks } from "../fixtures/verify/fakeApiServer";
import type { Outcome } from "./verifyCommand";

export type Answer = (request: IncomingMessage, response: ServerResponse) => void;
export type ExecAnswer = (request: IncomingMessage, socket: Duplex) => void;

/** `answer` takes over `GET <path>` (or `<method> <path>`). */
export const on = (path: string, answer: Answer, method = "GET"): Hooks => ({
  answer: (line, request, response) => {
    if (line !== `${method} ${path}`) return false;
    answer(request, response);
    return true;
  },
});

/** `answer` takes over every exec stream. */
export const onExec = (answer: ExecAnswer): Hooks => ({ upgrade: (request, socket) => { answer(request, socket); return true; } });

/** Accepts the request and never answers (the server's close ends it). */
export const hang: Answer = () => undefined;

export const body = (text: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }, status = 200): Answer => (_, response) => {
  response.writeHead(status, headers);
  response.end(text);
};

export const json = (value: unknown, status = 200): Answer => body(JSON.stringify(value), { "content-type": "application/json" }, status);

/** A proxy's or an identity provider's login page. */
export const html = (status = 200): Answer => body("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in to continue</body></html>", { "content-type": "text/html; charset=utf-8" }, status);

export const redirect = (to: string, status = 302): Answer => (_, response) => {
  response.writeHead(status, { location: to, "content-type": "text/plain" });
  response.end();
};

/** Promises a long body, sends its start, then drops the connection. */
export const closeMidBody: Answer = (_, response) => {
  response.writeHead(200, { "content-type": "application/json", "content-length": "100000" });
  response.write('{"kind":"NodeList","items":[{"metadata":');
  setTimeout(() => response.socket?.destroy(), 50);
};

/** Sends the headers, then one byte every half second, forever. */
export const drip: Answer = (_, response) => {
  response.writeHead(200, { "content-type": "application/json" });
  const timer = setInterval(() => response.write(" "), 500);
  response.on("close", () => clearInterval(timer));
};

/** A body that never ends: 1 MiB chunks as fast as the client reads them. */
export const endless: Answer = (_, response) => {
  response.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(1024 * 1024, " ");
  let open = true;
  response.on("close", () => { open = false; });
  const pump = () => {
    while (open && response.write(chunk));
    if (open) response.once("drain", pump);
  };
  response.write("[");
  pump();
};

/** Closes the connection without a word. */
export const slam: Answer = (request) => request.socket.destroy();

/** An exec stream that accepts, then does `then` with the socket. */
export const execStream = (then: (socket: Duplex) => void): ExecAnswer => (request, socket) => {
  acceptExec(request, socket);
  then(socket);
};

export const stdoutFrame = (text: string | Buffer) => channelFrame(1, text);
export const statusFrame = (text: string) => channelFrame(3, text);
export const success = statusFrame(JSON.stringify({ metadata: {}, status: "Success" }));
export const closeFrame = frame(0x8, Buffer.from([0x03, 0xe8]));

/** A reply to the upgrade request that is not an upgrade (a refusal, a page, a redirect). */
export const execReply = (head: string, text = ""): ExecAnswer => (_, socket) => {
  socket.end(`${head}\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
};

/** A TCP server on 127.0.0.1 that is not HTTP: it says `greeting` to every connection. */
export async function startRawServer(greeting: string): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    socket.write(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** JavaScript's own error text, a stack frame, or our last-resort message: never in the output. */
export const javascriptErrorText = /Cannot read propert|is not a function|is not iterable|is not defined|of undefined|of null|TypeError|ReferenceError|SyntaxError|RangeError|\[object Object\]|\n\s+at \S+ \(|unexpected internal error/;

export interface Verdict {
  code: 0 | 1 | 2;
  /** The line that says it: the `error:` line (code 2) or a FAIL/skip/ok line (codes 0, 1). */
  line: RegExp;
}

/** Which rule of the expected verdict the outcome breaks, or undefined when it keeps them all. */
export function verdictProblem(outcome: Outcome, expected: Verdict, maxSeconds: number): string | undefined {
  const all = `${outcome.stdout}${outcome.stderr}`;
  if (outcome.code !== expected.code) return `exit code ${outcome.code}, want ${expected.code}`;
  if (javascriptErrorText.test(all)) return `JavaScript error text: ${all.match(javascriptErrorText)![0]}`;
  if (outcome.seconds > maxSeconds) return `took ${outcome.seconds}s, more than ${maxSeconds}s`;
  if (expected.code === 2) {
    if (outcome.stdout !== "") return "stdout is not empty on a rejection";
    const lines = outcome.stderr.trimEnd().split("\n");
    if (lines.length !== 1 || !lines[0].startsWith("error: ")) return `not one error line: ${outcome.stderr}`;
    if (!expected.line.test(lines[0])) return `the error line does not say ${expected.line}`;
    return undefined;
  }
  if (!outcome.stdout.split("\n").some((line) => expected.line.test(line))) return `no line says ${expected.line}`;
  return undefined;
}
