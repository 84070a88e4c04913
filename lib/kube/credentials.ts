/**
 * Exec credential plugins (kubeconfig `users[].user.exec`, e.g. `aws eks get-token`), run here
 * instead of by client-node: its ExecAuth (@kubernetes/client-node 1.4.0 dist/exec_auth.js) has no
 * time-out, no output limit, leaves the plugin running when the caller gives up and reads
 * `credential.status.…` without checking there is one. Here the plugin runs in its own process
 * group, within a deadline, its output capped; its process group is ended when it exits, times out
 * or the verifier exits; every failure is one sentence naming the plugin's command.
 * The protocol is client-go's (k8s.io/client-go plugin/pkg/client/auth/exec/exec.go,
 * refreshCredsLocked): KUBERNETES_EXEC_INFO in the environment, an ExecCredential of the configured
 * apiVersion on stdout, with a status holding a token or a client certificate and key.
 */
import { spawn } from "node:child_process";
import { formatBytes, preview } from "./http";

/** `users[].user.exec` as client-node loads it. */
export interface ExecPlugin {
  command?: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  apiVersion?: string;
  installHint?: string;
}

export interface Credential {
  token?: string;
  /** PEM. */
  clientCertificateData?: string;
  clientKeyData?: string;
}

/** The most a plugin may print: an ExecCredential with a certificate chain is a few KiB. */
export const maxPluginOutputBytes = 1024 * 1024;

/** Plugins still running, by process group id: ended by endCredentialPlugins. */
const running = new Set<number>();

function endGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is gone already.
  }
  running.delete(pid);
}

/** Ends every plugin's process group still running: when the verifier exits, however it exits. */
export function endCredentialPlugins(): void {
  for (const pid of [...running]) endGroup(pid);
}

export class CredentialError extends Error {}

/** The credential in an ExecCredential, or why there is none (client-go's rules). */
export function readExecCredential(stdout: string, apiVersion: string | undefined): Credential | string {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return stdout.trim() ? `printed "${preview(stdout)}", not an ExecCredential (JSON)` : "printed nothing (an ExecCredential was expected)";
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return "printed JSON that is not an ExecCredential object";
  const credential = value as { apiVersion?: unknown; kind?: unknown; status?: unknown };
  if (credential.kind !== "ExecCredential") return `printed kind ${JSON.stringify(credential.kind) ?? "(none)"}, not ExecCredential`;
  if (apiVersion && credential.apiVersion !== apiVersion) {
    return `answered with apiVersion ${JSON.stringify(credential.apiVersion) ?? "(none)"}; the kubeconfig asks for ${apiVersion}`;
  }
  if (!credential.status || typeof credential.status !== "object") return "returned no status (no token or certificate)";
  const status = credential.status as Record<string, unknown>;
  const field = (name: string) => (typeof status[name] === "string" && status[name] ? status[name] as string : undefined);
  const token = field("token");
  const cert = field("clientCertificateData");
  const key = field("clientKeyData");
  if (!token && !cert && !key) return "returned a status without a token or a client certificate and key";
  if (Boolean(cert) !== Boolean(key)) return "returned only one of clientCertificateData and clientKeyData";
  return { ...(token ? { token } : {}), ...(cert && key ? { clientCertificateData: cert, clientKeyData: key } : {}) };
}

/**
 * Runs the plugin and returns its credential, or throws a CredentialError naming it. `signal`
 * ends it early (the run's deadline).
 */
export function runCredentialPlugin(plugin: ExecPlugin, options: { env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal }): Promise<Credential> {
  const name = `the kubeconfig's credential plugin \`${[plugin.command, ...(plugin.args ?? [])].join(" ")}\``;
  if (!plugin.command) return Promise.reject(new CredentialError("the kubeconfig's credential plugin (users[].user.exec) names no command"));
  const execInfo = { apiVersion: plugin.apiVersion ?? "client.authentication.k8s.io/v1", kind: "ExecCredential", spec: { interactive: false } };
  const env = { ...options.env, ...Object.fromEntries((plugin.env ?? []).map((e) => [e.name, e.value])), KUBERNETES_EXEC_INFO: JSON.stringify(execInfo) };
  return new Promise<Credential>((resolve, reject) => {
    // detached: its own process group, so whatever it starts is ended with it.
    const child = spawn(plugin.command!, plugin.args ?? [], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: Credential | CredentialError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (child.pid !== undefined) endGroup(child.pid);
      if (outcome instanceof CredentialError) reject(outcome);
      else resolve(outcome);
    };
    const fail = (why: string) => finish(new CredentialError(`${name} ${why}`));
    const timer = setTimeout(() => fail(`gave no credential within ${options.timeoutMs / 1000}s, its own time-out: ended`), options.timeoutMs);
    const onAbort = () => fail(`was still running at the deadline${options.signal?.reason instanceof Error ? ` (${options.signal.reason.message.replace(/^stopped at the deadline: /, "")})` : ""}: ended`);
    options.signal?.addEventListener("abort", onAbort);
    if (child.pid !== undefined) running.add(child.pid);
    if (options.signal?.aborted) onAbort();
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxPluginOutputBytes) fail(`printed more than ${formatBytes(maxPluginOutputBytes)}: ended`);
      else into.push(chunk);
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    child.on("error", (error: NodeJS.ErrnoException) => {
      const hint = plugin.installHint ? ` (${plugin.installHint.trim().split("\n")[0]})` : "";
      fail(error.code === "ENOENT" ? `was not found${hint}` : `could not start: ${error.code ?? error.message}`);
    });
    // `exit`, not `close`: a child the plugin left behind may hold the pipes open; it is ended with the group.
    child.on("exit", (code, signal) => {
      // What is still in the pipes arrives before they end (or, held open by a leftover child, soon).
      const drained = (stream: NodeJS.ReadableStream & { readableEnded: boolean }) => (stream.readableEnded ? Promise.resolve() : new Promise<void>((done) => {
        stream.once("end", done);
        setTimeout(done, 200);
      }));
      void Promise.all([drained(child.stdout), drained(child.stderr)]).then(() => {
        if (code !== 0) {
          const lastLine = Buffer.concat(stderr).toString("utf8").trim().split("\n").pop();
          fail(`${signal ? `was killed by ${signal}` : `exited ${code}`}${lastLine ? `: ${preview(lastLine, 200)}` : ""}`);
          return;
        }
        const credential = readExecCredential(Buffer.concat(stdout).toString("utf8"), plugin.apiVersion);
        if (typeof credential === "string") fail(credential);
        else finish(credential);
      });
    });
  });
}
