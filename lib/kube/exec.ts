/**
 * A command in a pod's container over the API server's exec stream (no TTY, no stdin): its output
 * and exit code, within a deadline.
 */
import { Writable } from "node:stream";
import type { V1Status } from "@kubernetes/client-node";
import { describeRequestError, KubeError, withDeadline, type Kube } from "./connection";

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
