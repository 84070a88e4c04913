/**
 * The verify command (scripts/verify.ts's runVerify) in this process, without a cluster and against
 * a loopback API server: every way of not reaching a cluster ends within seconds, exit code 2, with
 * one readable line and no stack trace; a reachable one is read, polled and judged. The command as
 * its own process is test/verifyShell.test.ts. The tests are independent (each its own server,
 * kubeconfig and environment), so they run concurrently.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multinetValues, publicConfig, validateConfig } from "../lib/config";
import { pulumiConfigFromStackFile, repoRoot } from "../lib/files/stackFiles";
import type { FailWith } from "./fixtures/verify/fakeApiServer";
import { against as againstIn, clusterRoutes, fixtureStackFile, kubeconfig as kubeconfigIn, verifyInProcess as verify, type AgainstOptions, type Outcome } from "./helpers/verifyCommand";

const dir = mkdtempSync(path.join(tmpdir(), "multinet-verify-"));
const kubeconfig = (name: string, server: string, currentContext?: string | null) => kubeconfigIn(dir, name, server, currentContext);
const against = (routes: Record<string, unknown>, args: string[], options?: AgainstOptions) => againstIn(dir, routes, args, options);

/** Exit 2, one `error:` line, nothing that looks like a stack trace. */
function expectCleanFailure(outcome: Outcome, message: RegExp): void {
  expect(outcome.code, outcome.stderr).toBe(2);
  expect(outcome.stderr).toMatch(message);
  expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
  expect(outcome.stderr).toMatch(/^error: /);
  expect(outcome.stderr).not.toMatch(/\n\s+at |Error: .*\n/);
}

let silent: Server;
let silentPort = 0;
const accepted = new Set<Socket>();
beforeAll(async () => {
  // Accepts TCP connections and never answers: an API server that hangs.
  silent = createServer((socket) => {
    accepted.add(socket);
    socket.on("close", () => accepted.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => {
  for (const socket of accepted) socket.destroy();
  rmSync(dir, { recursive: true, force: true });
  silent.close(() => resolve());
}));

describe.concurrent("npm run verify without a reachable cluster", () => {
  it("says the API server is unreachable, fast", async () => {
    const outcome = await verify(["--stack", "staging"], { KUBECONFIG: kubeconfig("refused", "https://127.0.0.1:1") });
    expectCleanFailure(outcome, /^error: verify staging: could not run: cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:1 \(context "test"\): connect ECONNREFUSED 127\.0\.0\.1:1$/m);
    expect(outcome.seconds).toBeLessThan(10);
  });

  it("gives up on a server that never answers after the connect timeout", async () => {
    const outcome = await verify(["--stack", "staging", "--preflight"], { KUBECONFIG: kubeconfig("silent", `https://127.0.0.1:${silentPort}`) }, { connectTimeoutMs: 1000 });
    expectCleanFailure(outcome, /^error: preflight staging: could not run: cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:\d+ \(context "test"\): no answer within 1s$/m);
    expect(outcome.seconds).toBeLessThan(11);
  });

  it("with --exit-zero (failOnError: false) exits 0 even when it could not check, the report saying why", async () => {
    const outcome = await verify(["--stack", "staging", "--json", "--exit-zero"], { KUBECONFIG: kubeconfig("exitzero", "https://127.0.0.1:1") });
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ ok: false, findings: [], error: expect.stringMatching(/^cannot reach the Kubernetes API server/) });
    expect(outcome.stderr).toMatch(/^error: verify staging: could not run: cannot reach/);
  });

  it("prints a machine-readable failure with --json", async () => {
    const outcome = await verify(["--stack", "staging", "--json"], { KUBECONFIG: kubeconfig("json", "https://127.0.0.1:1") });
    expect(outcome.code).toBe(2);
    const report = JSON.parse(outcome.stdout);
    expect(report).toMatchObject({ kind: "verify", stack: "staging", ok: false, findings: [], error: expect.stringMatching(/^cannot reach the Kubernetes API server/) });
  });

  it("says when there is no current context, or no such context", async () => {
    const none = await verify(["--stack", "staging"], { KUBECONFIG: kubeconfig("nocontext", "https://127.0.0.1:1", null) });
    expectCleanFailure(none, /no current kube context in KUBECONFIG=\S+: run `kubectl config use-context <name>` or pass --context <name>$/m);
    const wrong = await verify(["--stack", "staging", "--context", "prod-admin"], { KUBECONFIG: kubeconfig("wrongcontext", "https://127.0.0.1:1") });
    expectCleanFailure(wrong, /no kube context "prod-admin" in KUBECONFIG=\S+ \(contexts: test\)$/m);
    // The kind stack names its context (kubernetes:context: kind-multinet) and verify honours it.
    const kind = await verify(["--stack", "kind"], { KUBECONFIG: kubeconfig("kindcontext", "https://127.0.0.1:1") });
    expectCleanFailure(kind, /no kube context "kind-multinet"/);
  });

  it("says when there is no kubeconfig at all", async () => {
    const outcome = await verify(["--stack", "staging"], { KUBECONFIG: undefined, HOME: dir });
    expectCleanFailure(outcome, /no kubeconfig: set KUBECONFIG or create ~\/\.kube\/config/);
  });

  it("rejects a stack that does not exist or bad arguments before touching the cluster", async () => {
    const missing = await verify(["--stack", "nope"], { KUBECONFIG: kubeconfig("unused", "https://127.0.0.1:1") });
    expectCleanFailure(missing, /no stack "nope" \(stacks: .*staging/);
    const bad = await verify(["--stack", "staging", "--timeout", "soon"], { KUBECONFIG: kubeconfig("unused2", "https://127.0.0.1:1") });
    expectCleanFailure(bad, /--timeout: "soon" is not a whole number of seconds/);
    const cap = await verify(["--stack", "staging"], { KUBECONFIG: kubeconfig("unused3", "https://127.0.0.1:1"), MULTINET_MAX_RESPONSE_BYTES: "lots" });
    expectCleanFailure(cap, /MULTINET_MAX_RESPONSE_BYTES: "lots" is not a whole number of bytes, at least 1024$/m);
  });
});

describe.concurrent("npm run verify against a loopback API server", () => {
  it("passes a healthy cluster, reading the pod's routes through exec", async () => {
    const outcome = await against(clusterRoutes(), ["--json"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const report = JSON.parse(outcome.stdout);
    expect(report).toMatchObject({ kind: "verify", stack: "fixture", context: "test", ok: true, summary: "verify fixture: 15 passed, 0 failed" });
    expect(report.findings.every((f: { ok: boolean }) => f.ok)).toBe(true);
    expect(outcome.stderr).toMatch(/^ ok {3}pod\/route\/net2 +10\.244\.0\.0\/16 via net2 \(10\.244\.0\.0\/16 via 10\.244\.1\.1 dev net2\)$/m);
    expect(outcome.stderr).toMatch(/^verify fixture: 15 passed, 0 failed \(context test\)$/m);
    expect(outcome.requests).toContain("EXEC /api/v1/namespaces/default/pods/multinet-sample/exec");
  });

  it("exits 1 and names the failed checks when something is wrong", async () => {
    const routes = clusterRoutes();
    delete routes["/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds"];
    const outcome = await against(routes, ["--timeout", "0"], { exec: () => ({ stdout: "cat: can't open '/proc/net/route': No such file or directory\n", exitCode: 1 }) });
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/^FAIL {2}flannel\/rollout +DaemonSet kube-flannel\/kube-flannel-ds not found$/m);
    expect(outcome.stdout).toMatch(/^FAIL {2}pod\/default-route +could not read the pod's \/proc\/net\/route: cat exited 1: cat: can't open/m);
    expect(outcome.stdout).toMatch(/^verify fixture: 11 passed, 2 failed \(flannel\/rollout, pod\/default-route\) \(context test\)$/m);
  });

  it("polls until the deadline and says it gave up waiting", async () => {
    const routes = clusterRoutes();
    delete routes["/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/flannel"];
    const outcome = await against(routes, ["--timeout", "3"], { timing: { attemptIntervalMs: 500 } });
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/^still failing after waiting 3s \(multinet:verification\.timeoutSeconds, or --timeout\)\nverify fixture: 14 passed, 1 failed \(nad\/default\/flannel\)/m);
    // Read at least twice: once at the start, once at the deadline.
    expect(outcome.requests.filter((r) => r === "GET /api/v1/nodes").length).toBeGreaterThanOrEqual(2);
  });

  it("counts a transient API error while waiting as one failed attempt and passes once the API recovers", async () => {
    let failures = 1;
    const failWith: FailWith = (request) => (request === "GET /api/v1/nodes" && failures-- > 0 ? 503 : undefined);
    const outcome = await against(clusterRoutes(), ["--json", "--timeout", "30"], { failWith, timing: { attemptIntervalMs: 500 } });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ ok: true, summary: "verify fixture: 15 passed, 0 failed" });
    expect(outcome.requests.filter((r) => r === "GET /api/v1/nodes")).toHaveLength(2);
  });

  it("reports an API that keeps failing as a failed check at the deadline, not as could-not-run", async () => {
    const outcome = await against(clusterRoutes(), ["--timeout", "2"], { failWith: (request) => (request === "GET /api/v1/nodes" ? 503 : undefined) });
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stdout).toMatch(/^FAIL {2}cluster\/read {2}cannot read the nodes: HTTP 503: injected 503 for \/api\/v1\/nodes$/m);
    expect(outcome.stdout).toMatch(/^still failing after waiting 2s/m);
  });

  it("stops at once when the credentials may not read what it checks (403)", async () => {
    const outcome = await against(clusterRoutes(), ["--timeout", "60"], { failWith: (request) => (request === "GET /api/v1/nodes" ? 403 : undefined) });
    expectCleanFailure(outcome, /^error: verify fixture: could not run: cannot read the nodes: 403 Forbidden: injected 403 for \/api\/v1\/nodes$/m);
    expect(outcome.seconds).toBeLessThan(15);
  });

  it("skips the encrypted values of a stack file, naming them, and checks with the rest", async () => {
    const file = path.join(mkdtempSync(path.join(dir, "secret-")), "Pulumi.fixture.yaml");
    const text = readFileSync(path.join(repoRoot, fixtureStackFile), "utf8");
    const withPsk = text.replace("    iface: [eth1]\n", "    iface: [eth1]\n    backend:\n      type: wireguard\n      psk:\n        secure: v1:abc\n");
    expect(withPsk).not.toBe(text);
    writeFileSync(file, withPsk);
    const outcome = await against(clusterRoutes(), ["--config", file, "--json"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr).toMatch(/^note: \S+Pulumi\.fixture\.yaml: skipped multinet:flannel\.backend\.psk \(encrypted; no check needs it\)$/m);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ stack: "fixture", ok: true, summary: "verify fixture: 15 passed, 0 failed" });
  });

  describe("with the config in MULTINET_CONFIG, as the Pulumi commands run it", () => {
    const fixtureConfig = (change: (config: Record<string, any>) => void = () => undefined) => {
      const result = validateConfig(multinetValues(pulumiConfigFromStackFile(path.join(repoRoot, fixtureStackFile))));
      if (!result.ok) throw new Error(result.errors.join("\n"));
      const config = structuredClone(publicConfig(result.config)) as Record<string, any>;
      change(config);
      return JSON.stringify(config);
    };

    it("needs no stack file", async () => {
      const outcome = await against(clusterRoutes(), ["--stack", "fixture", "--json"], { env: { MULTINET_CONFIG: fixtureConfig() } });
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(JSON.parse(outcome.stdout)).toMatchObject({ stack: "fixture", ok: true, summary: "verify fixture: 15 passed, 0 failed" });
    });

    it("prefers it to the stack file", async () => {
      const noPod = fixtureConfig((config) => { config.samplePod.enabled = false; });
      const outcome = await against(clusterRoutes(), ["--config", fixtureStackFile, "--json"], { env: { MULTINET_CONFIG: noPod } });
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(JSON.parse(outcome.stdout)).toMatchObject({ summary: "verify fixture: 8 passed, 0 failed, 1 skipped" });
      expect(outcome.requests.some((r) => r.startsWith("EXEC "))).toBe(false);
    });

    it("validates it again", async () => {
      const bad = fixtureConfig((config) => { config.flannel.network = "10.244.0.0/33"; });
      const outcome = await against(clusterRoutes(), ["--stack", "fixture"], { env: { MULTINET_CONFIG: bad } });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/^error: verify fixture: could not run: MULTINET_CONFIG: multinet: the stack config has 1 error:$/m);
      expect(outcome.stderr).toMatch(/^ {2}- multinet:flannel\.network: "10\.244\.0\.0\/33" must be a CIDR/m);
      expect(outcome.requests).toEqual([]);
    });
  });

  it("runs the preflight", async () => {
    const outcome = await against(clusterRoutes(), ["--preflight", "--json"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ kind: "preflight", ok: true, summary: "preflight fixture: 7 passed, 0 failed" });
    expect(outcome.requests).toEqual(expect.arrayContaining(["GET /apis/crd.projectcalico.org/v1/ippools", "GET /apis/operator.tigera.io/v1/installations"]));
    // Every object multinet creates is looked up by name; the fixture's DaemonSets, NADs and pod are this stack's.
    expect(outcome.requests).toEqual(expect.arrayContaining([
      "GET /api/v1/namespaces", "GET /apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds",
      "GET /apis/rbac.authorization.k8s.io/v1/clusterroles/multus", "GET /api/v1/namespaces/kube-system/configmaps/multus-daemon-config",
    ]));
    const existing = (JSON.parse(outcome.stdout) as { findings: Array<{ check: string; detail: string }> }).findings.find((f) => f.check === "preflight/existing-objects");
    expect(existing?.detail).toBe("none of multinet's objects exists as someone else's; 6 already this stack's");
  });

  it("fails the preflight on the manual setup's objects, naming them", async () => {
    const routes = clusterRoutes();
    routes["/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg"] = {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-flannel-cfg", namespace: "kube-flannel", labels: { app: "flannel" }, managedFields: [{ manager: "kubectl-client-side-apply", operation: "Update" }] },
    };
    const outcome = await against(routes, ["--preflight", "--json"]);
    expect(outcome.code).toBe(1);
    const existing = (JSON.parse(outcome.stdout) as { findings: Array<{ check: string; ok: boolean; detail: string }> }).findings.find((f) => f.check === "preflight/existing-objects");
    expect(existing).toMatchObject({ ok: false, detail: expect.stringMatching(/^ConfigMap kube-flannel\/kube-flannel-cfg \(written by kubectl-client-side-apply\) already exists/) });
  });
});
