/**
 * A command in a pod's container over the API server's exec stream (no TTY, no stdin): its output
 * and exit code, within a deadline and an output cap.
 *
 * The frames are read here, not by client-node's Exec: its handler (@kubernetes/client-node 1.4.0
 * dist/web-socket-handler.js, handleStandardStreams) throws inside the socket's message handler on a
 * status frame that is not JSON or an unknown channel, and writes to streams it has already ended,
 * which a hostile or broken server turns into an uncaught exception. The protocol
 * (`v4.channel.k8s.io`): one byte of channel, 1 stdout, 2 stderr, 3 the exit Status as JSON.
 */
import { z } from "zod";
import { describeRequestError, KubeError, withDeadline, type Kube } from "./connection";
import { formatBytes, preview } from "./http";

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The most output read from one command: /proc/net/route and ping's lines are a few KiB. */
export const maxExecOutputBytes = 1024 * 1024;

/** The exit Status on channel 3 (a metav1.Status), the fields read. */
const exitStatus = z.looseObject({
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  details: z.looseObject({ causes: z.array(z.looseObject({ reason: z.string().optional(), message: z.string().optional() })).optional() }).optional(),
});

type ExitStatus = z.infer<typeof exitStatus>;

/** The socket client-node's WebSocketHandler opens (ws), the members used. */
interface ExecSocket {
  readyState: number;
  CLOSED: number;
  close(): void;
  on(event: "close", listener: () => void): void;
}

/** The exec request's path, as kubectl builds it (stdout and stderr, no stdin, no TTY). */
function execPath(pod: { namespace: string; name: string; container: string }, command: string[]): string {
  const query = new URLSearchParams({ stdout: "true", stderr: "true", stdin: "false", tty: "false", container: pod.container });
  for (const part of command) query.append("command", part);
  return `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/exec?${query}`;
}

/**
 * Why the stream did not open. ws (which client-node opens it with) follows no redirect by default
 * (ws 8.23.0 lib/websocket.js:703, `followRedirects: false`) and says "Unexpected server response: <status>" (:963)
 * for any answer that is not the upgrade.
 */
function describeUpgradeError(error: unknown, timeoutMs: number): string {
  const status = /^Unexpected server response: (\d+)$/.exec((error as Error)?.message ?? "")?.[1];
  if (!status) return describeRequestError(error, timeoutMs);
  const code = Number(status);
  if (code >= 300 && code < 400) return `the API server answered with a redirect (${code}): not followed`;
  return `the API server answered HTTP ${code} instead of opening the stream`;
}

/** Runs a command in a pod's container (no TTY, no stdin) and collects its output and exit code. */
export async function execInPod(kube: Kube, pod: { namespace: string; name: string; container: string }, command: string[], timeoutMs: number): Promise<ExecResult> {
  const what = `\`${command.join(" ")}\` in ${pod.namespace}/${pod.name}`;
  const output = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
  let status: ExitStatus | undefined;
  let problem: string | undefined;
  // Returns whether to keep the stream open; never throws (it runs inside the socket's handler).
  const onFrame = (channel: number, data: Buffer): boolean => {
    if (channel === 1 || channel === 2) {
      output.bytes += data.length;
      if (output.bytes > maxExecOutputBytes) {
        problem = `the output of ${what} is larger than ${formatBytes(maxExecOutputBytes)}, the cap: not read further`;
        return false;
      }
      (channel === 1 ? output.stdout : output.stderr).push(Buffer.from(data));
      return true;
    }
    if (channel !== 3) return true;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString("utf8"));
    } catch {
      parsed = undefined;
    }
    const result = exitStatus.safeParse(parsed);
    if (result.success) status = result.data;
    else problem = `${what}: the API server's exit status is not a Status ("${preview(data)}")`;
    return false;
  };
  const handler = kube.exec;
  const finished = (async () => {
    const socket = await handler.connect(execPath(pod, command), null, onFrame) as unknown as ExecSocket;
    await new Promise<void>((resolve) => {
      if (socket.readyState === socket.CLOSED) resolve();
      else socket.on("close", () => resolve());
    });
    return socket;
  })();
  try {
    await withDeadline(finished, timeoutMs, `${what} did not finish within ${timeoutMs / 1000}s`, kube.deadline.signal);
  } catch (error) {
    void finished.then((socket) => socket.close(), () => undefined);
    if (error instanceof KubeError) throw error;
    throw new KubeError(`cannot exec ${what}: ${describeUpgradeError(error, timeoutMs)}`);
  }
  if (problem) throw new KubeError(problem, undefined, true);
  const stdout = Buffer.concat(output.stdout).toString("utf8");
  const stderr = Buffer.concat(output.stderr).toString("utf8");
  if (!status) throw new KubeError(`${what}: the API server closed the stream without an exit status`);
  if (status.status === "Success") return { stdout, stderr, exitCode: 0 };
  const exitCode = Number(status.details?.causes?.find((c) => c.reason === "ExitCode")?.message);
  if (Number.isInteger(exitCode) && exitCode > 0) return { stdout, stderr, exitCode };
  throw new KubeError(`${what}: ${preview(status.message ?? status.reason ?? "failed", 200)}`);
}
