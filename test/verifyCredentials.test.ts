/**
 * Exec credential plugins (kubeconfig `users[].user.exec`), which multinet runs itself
 * (lib/kube/credentials.ts): a good one's token reaches the API server; a plugin that hangs, floods,
 * fails, is missing or prints garbage or no status ends the run with one line naming its command,
 * exit code 2, the same for verify and preflight. The plugins are /bin/sh one-liners. The last
 * tests run the command as its own process: only a process shows that the plugin's whole process
 * group is ended when the verifier times out or is killed. Only 127.0.0.1 is used.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readExecCredential, runCredentialPlugin } from "../lib/kube/credentials";
import { startFakeApiServer } from "./fixtures/verify/fakeApiServer";
import { verdictProblem } from "./helpers/hostileApi";
import { against, catRoutes, clusterRoutes, fixtureStackFile, kubeconfig, spawnVerify, verifyProcess } from "./helpers/verifyCommand";

const dir = mkdtempSync(path.join(tmpdir(), "multinet-credentials-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v1 = "client.authentication.k8s.io/v1";
const credential = (status: unknown, apiVersion = v1) => JSON.stringify({ apiVersion, kind: "ExecCredential", status });
/** A kubeconfig user whose exec plugin is `/bin/sh -c <script>` (JSON is YAML). */
const plugin = (script: string, extra: Record<string, unknown> = {}) => JSON.stringify({ exec: { apiVersion: v1, command: "/bin/sh", args: ["-c", script], ...extra } });
const printing = (text: string) => plugin(`printf '%s' '${text}'`);

/** Each runs with `--timeout 0` (one look, within 30 s) but for the one about the deadline. */
const rejected: Array<{ name: string; user: string; line: RegExp; timeout?: number }> = [
  { name: "hangs past the deadline", user: plugin("sleep 30"), timeout: 3, line: /kube context "test": the kubeconfig's credential plugin `\/bin\/sh -c sleep 30` was still running at the deadline \(3s .*\): ended$/ },
  { name: "prints garbage", user: printing("garbage here"), line: /credential plugin `\/bin\/sh -c printf .*` printed "garbage here", not an ExecCredential \(JSON\)$/ },
  { name: "prints nothing", user: plugin("true"), line: /printed nothing \(an ExecCredential was expected\)$/ },
  { name: "returns no status", user: printing(credential(undefined)), line: /returned no status \(no token or certificate\)$/ },
  { name: "returns a status that is a string", user: printing(credential("ok")), line: /returned no status \(no token or certificate\)$/ },
  { name: "returns an empty status", user: printing(credential({})), line: /returned a status without a token or a client certificate and key$/ },
  { name: "returns a certificate without its key", user: printing(credential({ clientCertificateData: "-----BEGIN CERTIFICATE-----" })), line: /returned only one of clientCertificateData and clientKeyData$/ },
  { name: "answers in another apiVersion", user: printing(credential({ token: "t" }, "client.authentication.k8s.io/v1beta1")), line: /answered with apiVersion "client\.authentication\.k8s\.io\/v1beta1"; the kubeconfig asks for client\.authentication\.k8s\.io\/v1$/ },
  { name: "prints another kind", user: printing(JSON.stringify({ apiVersion: v1, kind: "Status" })), line: /printed kind "Status", not ExecCredential$/ },
  { name: "exits 1, saying why on stderr", user: plugin("echo 'token expired: run aws sso login' >&2; exit 1"), line: /exited 1: token expired: run aws sso login$/ },
  { name: "is killed by a signal", user: plugin("kill -9 $$"), line: /was killed by SIGKILL$/ },
  { name: "floods its output", user: plugin("yes"), line: /credential plugin `\/bin\/sh -c yes` printed more than 1 MiB: ended$/ },
  { name: "is not installed", user: JSON.stringify({ exec: { apiVersion: v1, command: "/nonexistent/aws-iam-authenticator", installHint: "install aws-iam-authenticator" } }), line: /credential plugin `\/nonexistent\/aws-iam-authenticator` was not found \(install aws-iam-authenticator\)$/ },
  { name: "names no command", user: JSON.stringify({ exec: { apiVersion: v1 } }), line: /credential plugin \(users\[\]\.user\.exec\) names no command$/ },
  { name: "is the removed gcp auth-provider", user: JSON.stringify({ "auth-provider": { name: "gcp", config: { "cmd-path": "/bin/sleep", "cmd-args": "30" } } }), line: /uses the gcp auth-provider, which kubectl removed in 1\.26 and multinet does not run/ },
];

describe.concurrent("an exec credential plugin", () => {
  it("that works: its token, with the env the kubeconfig gives it, reaches the API server; it sees KUBERNETES_EXEC_INFO", async () => {
    const script = `case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) printf '{"apiVersion":"${v1}","kind":"ExecCredential","status":{"token":"%s"}}' "$TOKEN";; *) exit 3;; esac`;
    for (const mode of [[], ["--preflight"]]) {
      const outcome = await against(dir, clusterRoutes(), ["--timeout", "0", ...mode], { user: plugin(script, { env: [{ name: "TOKEN", value: "tok-123" }] }) });
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.authorizations.length).toBeGreaterThan(3);
      expect(new Set(outcome.authorizations)).toEqual(new Set(["Bearer tok-123"]));
    }
  });

  for (const { name, user, line, timeout = 0 } of rejected) {
    it(`that ${name}: one line naming it, exit 2, verify and preflight alike`, async () => {
      // Verify and preflight side by side: the one about the deadline waits it out once, not twice.
      await Promise.all([[], ["--preflight"]].map(async (mode) => {
        const outcome = await against(dir, clusterRoutes(), ["--timeout", String(timeout), ...mode], { user });
        expect(verdictProblem(outcome, { code: 2, line }, (timeout || 30) + 3), `${mode}\n${outcome.stderr}`).toBeUndefined();
        expect(outcome.requests, "nothing reaches the API server without a credential").toEqual([]);
      }));
    });
  }

  it("has a time-out of its own, shorter than the run's deadline", async () => {
    const started = Date.now();
    await expect(runCredentialPlugin({ command: "/bin/sh", args: ["-c", "sleep 30"] }, { env: {}, timeoutMs: 300 }))
      .rejects.toThrow("the kubeconfig's credential plugin `/bin/sh -c sleep 30` gave no credential within 0.3s, its own time-out: ended");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("is read by client-go's rules: a token, or a certificate with its key", () => {
    expect(readExecCredential(credential({ token: "t" }), v1)).toEqual({ token: "t" });
    expect(readExecCredential(credential({ clientCertificateData: "C", clientKeyData: "K" }), undefined)).toEqual({ clientCertificateData: "C", clientKeyData: "K" });
    expect(readExecCredential(credential({ token: 5 }), v1)).toBe("returned a status without a token or a client certificate and key");
    expect(readExecCredential("[1]", v1)).toBe("printed JSON that is not an ExecCredential object");
  });
});

/** Whether a process is gone (or only a zombie waiting for its parent). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
  return stat === "" || / Z /.test(stat);
}

/** Whether every pid ends within 20 s (a loaded machine can take seconds to schedule the kills). */
async function allGone(pids: number[]): Promise<boolean> {
  for (let i = 0; i < 200 && !pids.every(gone); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.every(gone);
}

/** A plugin that starts a child of its own, writes both pids to `file` and waits forever. */
const lingering = (file: string) => plugin(`sleep 300 & echo $$ > ${file}.tmp; echo $! >> ${file}.tmp; mv ${file}.tmp ${file}; wait`);
const pidsIn = (file: string) => readFileSync(file, "utf8").trim().split("\n").map(Number);

describe.concurrent("the verifier as a process ends its credential plugin's whole process group", () => {
  it("when the deadline passes", async () => {
    const file = path.join(dir, "deadline.pids");
    const server = await startFakeApiServer(clusterRoutes(), catRoutes);
    try {
      const outcome = await verifyProcess(["--config", fixtureStackFile, "--preflight", "--timeout", "3"], { KUBECONFIG: kubeconfig(dir, "lingering-deadline", server.url, "test", lingering(file)) });
      expect(outcome.code, outcome.stderr).toBe(2);
      expect(outcome.stderr).toMatch(/^error: preflight fixture: could not run: kube context "test": the kubeconfig's credential plugin `\/bin\/sh -c sleep 300 & .*` was still running at the deadline \(3s .*\): ended\n$/);
      expect(outcome.stdout).toBe("");
      expect(await allGone(pidsIn(file))).toBe(true);
    } finally {
      await server.close();
    }
  }, 90_000);

  it("when the verifier is stopped (SIGTERM)", async () => {
    const file = path.join(dir, "sigterm.pids");
    // The verifier's own process gets the signal (the bundled script in plain node), not the tsx
    // CLI, which runs the script in a child and relays signals to it in its own way: that relay
    // lost the group kill in two Node 22 CI runs.
    const child = spawnVerify(["--config", fixtureStackFile, "--timeout", "60"], { KUBECONFIG: kubeconfig(dir, "lingering-sigterm", "http://127.0.0.1:1", "test", lingering(file)) });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // Starting takes a while on a busy machine.
    for (let i = 0; i < 600 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const pids = pidsIn(file);
    expect(pids.some(gone)).toBe(false);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(await allGone(pids)).toBe(true);
  }, 90_000);
});
