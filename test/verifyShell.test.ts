/**
 * scripts/verify.ts as its own process (bundled once per test run, test/helpers/verifyBundle.ts: the
 * code `npm run verify` runs through tsx, started in plain node): what only a process shows — the
 * exit code it ends with, which stream gets the report, and that it ends at all once the API
 * client's keep-alive sockets are open. Every behaviour behind these is test/verifyCli.test.ts, in
 * process. Only loopback addresses are used.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { against, clusterRoutes, kubeconfig, verifyProcess } from "./helpers/verifyCommand";

const dir = mkdtempSync(path.join(tmpdir(), "multinet-verify-shell-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A process can take seconds to start and finish on a busy machine.
describe.concurrent("npm run verify as a process", { timeout: 90_000 }, () => {
  it("exits 2 with one error line on stderr and nothing on stdout when it cannot reach the cluster", async () => {
    const outcome = await verifyProcess(["--stack", "staging"], { KUBECONFIG: kubeconfig(dir, "refused", "https://127.0.0.1:1") });
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr).toMatch(/^error: verify staging: could not run: cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:1 \(context "test"\): connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
    expect(outcome.stdout).toBe("");
  });

  it("exits 0 on a healthy cluster with --json: the report alone on stdout, the lines on stderr", async () => {
    const outcome = await against(dir, clusterRoutes(), ["--json"], { run: verifyProcess });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ kind: "verify", stack: "fixture", ok: true, summary: "verify fixture: 15 passed, 0 failed" });
    expect(outcome.stderr).toMatch(/^verify fixture: 15 passed, 0 failed \(context test\)\n$/m);
  });

  it("exits 1 when a check fails, the lines on stdout", async () => {
    const routes = clusterRoutes();
    delete routes["/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds"];
    const outcome = await against(dir, routes, ["--timeout", "0"], { run: verifyProcess });
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stdout).toMatch(/^FAIL {2}flannel\/rollout +DaemonSet kube-flannel\/kube-flannel-ds not found$/m);
    expect(outcome.stdout).toMatch(/^verify fixture: 14 passed, 1 failed \(flannel\/rollout\) \(context test\)\n$/m);
    expect(outcome.stderr).toBe("");
  });
});
