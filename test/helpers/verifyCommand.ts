/**
 * scripts/verify.ts as the tests run it: in this process through `runVerify` (the same code, without
 * a process to start), or as its own process where the process is the point (exit codes, which
 * stream gets what, signals): then the script bundled once per test run (./verifyBundle.ts), which
 * starts in plain node in well under a second where tsx takes seconds. Plus the loopback cluster
 * both talk to: kubeconfigs and the fixture cluster's API paths for
 * test/fixtures/verify/fakeApiServer.ts. Only loopback addresses are used.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../lib/files/stackFiles";
import { runVerify, type VerifyTiming } from "../../scripts/verify";
import { startFakeApiServer, type ExecAnswer, type FailWith, type Hooks } from "../fixtures/verify/fakeApiServer";
import { verifyBundle } from "./verifyBundle";

export interface Outcome { code: number | null; stdout: string; stderr: string; seconds: number }

type Env = Record<string, string | undefined>;

/** The test runner's environment with `env` on top (undefined removes a variable), never in-cluster. */
function environment(env: Env): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete merged.KUBERNETES_SERVICE_HOST;
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  return merged;
}

/** `npm run verify -- <args>`, in this process; `timing` shortens its waits (the process always has the defaults). */
export async function verifyInProcess(args: string[], env: Env, timing?: VerifyTiming): Promise<Outcome> {
  const started = Date.now();
  let stdout = "";
  let stderr = "";
  const code = await runVerify(args, environment(env), {
    stdout: async (text) => { stdout += text; },
    stderr: async (text) => { stderr += text; },
  }, timing);
  return { code, stdout, stderr, seconds: (Date.now() - started) / 1000 };
}

/**
 * `npm run verify -- <args>` started as its own process: scripts/verify.ts bundled, in plain node, so
 * a signal sent to the child reaches the verifier itself (no tsx CLI relaying it).
 */
export function spawnVerify(args: string[], env: Env): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [verifyBundle, ...args], { cwd: repoRoot, env: environment(env) });
}

/** `npm run verify -- <args>`, as its own process, run to its end. */
export function verifyProcess(args: string[], env: Env): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawnVerify(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/**
 * A kubeconfig in `dir` with one context `test` for `server`; `user` replaces the token user's
 * fields (YAML flow mapping text, e.g. an `exec:` credential plugin).
 */
export function kubeconfig(dir: string, name: string, server: string, currentContext: string | null = "test", user = "{token: not-a-real-token}"): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: test`,
    `  cluster: {server: "${server}", insecure-skip-tls-verify: true}`,
    "users:",
    "- name: test",
    `  user: ${user}`,
    "contexts:",
    "- name: test",
    "  context: {cluster: test, user: test}",
    ...(currentContext ? [`current-context: ${currentContext}`] : []),
    "",
  ].join("\n"));
  return file;
}

const fixture = (file: string) => JSON.parse(readFileSync(path.join(repoRoot, "test", "fixtures", "verify", file), "utf8"));
const routeText = readFileSync(path.join(repoRoot, "test", "fixtures", "procnet", "pod-route.txt"), "utf8");

/** The stack of the fixture cluster. */
export const fixtureStackFile = "test/fixtures/verify/Pulumi.fixture.yaml";

/** The fixture cluster, by API path. */
export function clusterRoutes(): Record<string, unknown> {
  const daemonSets = fixture("daemonsets.json").items;
  const pods = fixture("daemon-pods.json");
  const podList = (namespace: string) => ({ ...pods, items: pods.items.filter((p: any) => p.metadata.namespace === namespace) });
  const routes: Record<string, unknown> = {
    "/version": { major: "1", minor: "34", gitVersion: "v1.34.0", platform: "linux/amd64" },
    "/api/v1/nodes": fixture("nodes.json"),
    "/api/v1/namespaces": fixture("namespaces.json"),
    "/api/v1/namespaces/kube-system/pods": podList("kube-system"),
    "/api/v1/namespaces/kube-flannel/pods": podList("kube-flannel"),
    "/api/v1/namespaces/default/pods/multinet-sample": fixture("sample-pod.json"),
    "/apis/crd.projectcalico.org/v1/ippools": fixture("ippools.json"),
  };
  for (const ds of daemonSets) routes[`/apis/apps/v1/namespaces/${ds.metadata.namespace}/daemonsets/${ds.metadata.name}`] = ds;
  for (const nad of fixture("nads.json").items) {
    routes[`/apis/k8s.cni.cncf.io/v1/namespaces/${nad.metadata.namespace}/network-attachment-definitions/${nad.metadata.name}`] = nad;
  }
  return routes;
}

/** Exec in the fixture cluster: the sample pod's real /proc/net/route, nothing else. */
export const catRoutes = (command: string[]): ExecAnswer => (command.join(" ") === "cat /proc/net/route" ? { stdout: routeText, exitCode: 0 } : { stdout: "", exitCode: 127 });

export interface AgainstOptions {
  exec?: (command: string[]) => ExecAnswer;
  failWith?: FailWith;
  hooks?: Hooks;
  /** The kubeconfig user's fields (see kubeconfig). */
  user?: string;
  env?: Env;
  /** In this process (default) or as its own. */
  run?: typeof verifyInProcess;
  /** Shorter waits, in this process only. */
  timing?: VerifyTiming;
}

/** The verify command against a loopback API server serving `routes`; `--config <fixture>` unless `args` name the config. */
export async function against(dir: string, routes: Record<string, unknown>, args: string[], options: AgainstOptions = {}) {
  const { exec = catRoutes, failWith, hooks, user, env = {}, run = verifyInProcess, timing } = options;
  const server = await startFakeApiServer(routes, exec, failWith, hooks);
  try {
    const config = args.includes("--stack") || args.includes("--config") ? [] : ["--config", fixtureStackFile];
    const outcome = await run([...config, ...args], { KUBECONFIG: kubeconfig(dir, `fake-${server.url.split(":").pop()}`, server.url, "test", user), ...env }, timing);
    return { ...outcome, requests: server.requests, authorizations: server.authorizations };
  } finally {
    await server.close();
  }
}
