/**
 * What `npm run render` prints for every stack in stacks/: each object valid for its kind's schema,
 * each NAD config a round trip through the CNI model, the whole output checked in as
 * test/golden/<stack>.yaml so a PR shows its manifest diff (`npm run render:golden` updates them).
 * The CLI itself (the bundle dist/render.js, from its startup snapshot) runs as a child process: same
 * bytes as in-process, clean failure on bad config.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { isRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { multinetValues, validateConfig } from "../lib/config";
import { calicoFieldManager } from "../lib/build/calico";
import { parseCniConfig, serializeCniConfig } from "../lib/build/cni";
import { manifestsOf, manifestsYaml, redacted, type KubeManifest, type Manifest } from "../lib/render/manifests";
import { pulumiConfigForStack, pulumiConfigFromStackFile, repoRoot, stackFilePath, stackNames } from "../lib/files/stackFiles";
import { runProgram } from "./helpers/mockProgram";
import { objectProblems, structuralProblems, type StructuralSchema } from "./helpers/structural";

const stacks = stackNames();

async function inProcess(config: Record<string, string>, stack: string, secretKeys?: string[]) {
  const run = await runProgram(config, { stack, secretKeys });
  if (run.error) throw run.error;
  const manifests = manifestsOf(run.resources);
  return { run, manifests, yaml: manifestsYaml(manifests, stack) };
}

/** Each stack rendered once in-process, shared by the tests that only read the result. */
const stackRenders = new Map<string, ReturnType<typeof inProcess>>();
function renderedStack(stack: string): ReturnType<typeof inProcess> {
  if (!stackRenders.has(stack)) stackRenders.set(stack, inProcess(pulumiConfigForStack(stack), stack));
  return stackRenders.get(stack)!;
}

// ---------------------------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------------------------

const requireFromHere = createRequire(__filename);

/**
 * The kubernetes-models class for an object: its module path is `<apiVersion>/<Kind>` (core kinds
 * are `v1/Pod`). Its validate() checks types, formats and required fields against the Kubernetes
 * OpenAPI schema; it does not reject unknown fields (the API server prunes those).
 */
function kubernetesModel(object: KubeManifest): { validate(): void } | undefined {
  let module: Record<string, new (data: unknown) => { validate(): void }>;
  try {
    module = requireFromHere(`kubernetes-models/${object.apiVersion}/${object.kind}`);
  } catch {
    return undefined;
  }
  return new module[object.kind](object);
}

/** The openAPIV3Schema of the CRD (among the rendered objects) that defines the object's kind. */
function crdSchema(object: KubeManifest, all: Manifest[]): StructuralSchema | undefined {
  const [group, version] = object.apiVersion.split("/");
  const crd = all.map((m) => m.object).find((o) => o.kind === "CustomResourceDefinition"
    && (o.spec as { group: string }).group === group && (o.spec as { names: { kind: string } }).names.kind === object.kind);
  const versions = (crd?.spec as { versions: Array<{ name: string; schema: { openAPIV3Schema: StructuralSchema } }> } | undefined)?.versions;
  return versions?.find((v) => v.name === version)?.schema.openAPIV3Schema;
}

// ---------------------------------------------------------------------------------------------
// Every stack
// ---------------------------------------------------------------------------------------------

describe.each(stacks)("stack %s", (stack) => {
  let manifests: Manifest[];
  let yaml: string;
  // The first render loads the Pulumi SDK, which takes more than vitest's 10 s hook default on a busy machine.
  beforeAll(async () => ({ manifests, yaml } = await renderedStack(stack)), 60_000);

  it(`matches test/golden/${stack}.yaml`, async () => {
    await expect(yaml).toMatchFileSnapshot(`golden/${stack}.yaml`);
  });

  it("is byte-identical when rendered again", async () => {
    expect((await inProcess(pulumiConfigForStack(stack), stack)).yaml).toBe(yaml);
  });

  /**
   * Server-side-apply patches are not schema-validated: they are partial objects by design (the
   * calico-node DaemonSet patch has no selector or pod labels, which the full DaemonSet schema
   * requires, and no schema for partial objects exists), and the Calico Installation
   * (operator.tigera.io) has neither a kubernetes-models class nor a CRD this program declares.
   * test/calico.test.ts pins their exact content instead.
   */
  it("validates every object but the patches against its kind's OpenAPI schema, or its CRD's", () => {
    for (const { object } of manifests.filter((m) => !m.patch)) {
      const model = kubernetesModel(object);
      const schema = model ? undefined : crdSchema(object, manifests);
      expect(model ?? schema, `${object.kind} ${object.metadata.name}: no schema to validate against`).toBeDefined();
      if (model) expect(() => model.validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
      else expect(objectProblems(schema!, object, object.kind)).toEqual([]);
    }
  });

  it("gives every typed NAD a spec.config that round-trips through the typed CNI model, a raw one its config as written", () => {
    const result = validateConfig(multinetValues(pulumiConfigForStack(stack)));
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const networks = new Map(result.config.networks.map((n) => [`${n.namespace}/${n.name}`, n]));
    const nads = manifests.filter((m) => m.object.kind === "NetworkAttachmentDefinition");
    expect(nads.length).toBeGreaterThan(0);
    for (const { object } of nads) {
      const config = (object.spec as { config: string }).config;
      const network = networks.get(`${object.metadata.namespace}/${object.metadata.name}`)!;
      if (network.type === "raw") expect(JSON.parse(config)).toEqual(network.config);
      else expect(serializeCniConfig(parseCniConfig(config))).toBe(config);
    }
  });

  it("explains each patch with the kubectl command that applies it under our field manager", () => {
    for (const { object, comments } of manifests.filter((m) => m.patch)) {
      const manager = object.kind === "CustomResourceDefinition" ? "multinet-nad-crd" : `${calicoFieldManager}-[0-9a-f]{8}`;
      expect(comments.join("\n")).toMatch(new RegExp(`kubectl apply --server-side --field-manager=${manager} --force-conflicts`));
      expect(object.metadata.annotations).toBeUndefined();
    }
  });
});

describe("structural check", () => {
  it("finds wrong types, missing and unknown fields", () => {
    const schema: StructuralSchema = { type: "object", required: ["spec"], properties: { spec: { type: "object", properties: { config: { type: "string" } } } } };
    expect(structuralProblems(schema, { spec: { config: 1, extra: true } }, "NAD")).toEqual([
      "NAD.spec.config: expected string, found integer",
      "NAD.spec.extra: not in the schema, the API server would prune it",
    ]);
    expect(structuralProblems(schema, {}, "NAD")).toEqual(["NAD.spec: required"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

describe("a WireGuard pre-shared key", () => {
  const psk = Buffer.from("multinet-test-psk-32-bytes-long!").toString("base64");
  const config = {
    ...pulumiConfigForStack("staging"),
    "multinet:flannel": JSON.stringify({ iface: ["eth1"], backend: { type: "wireguard", psk } }),
  };

  it.each([["a secret config key", ["multinet:flannel"]], ["plain config", undefined]])("is never printed, given as %s", async (_, secretKeys) => {
    const { run, manifests, yaml } = await inProcess(config, "staging", secretKeys);
    // The component wraps the Secret's stringData in pulumi.secret; the engine (here: the mocks) sees it marked.
    expect(isRpcSecret(run.get("kubernetes:core/v1:Secret", "kube-flannel/kube-flannel-cfg").inputs.stringData)).toBe(true);

    expect(yaml).not.toContain(psk);
    const secret = manifests.find((m) => m.object.kind === "Secret")!;
    expect(secret.object.stringData).toEqual({ "net-conf.json": redacted });
    expect(secret.comments).toContain(`Secret values are not printed; "${redacted}" stands for: stringData.net-conf.json. Supply them from your secret store.`);
  });
});

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

describe("the render command", () => {
  // What `npm run render` runs after `npm run prerender` (dist/render.js from its startup snapshot).
  const render = (args: string[]) => spawnSync("node", ["--snapshot-blob", "dist/render.blob", "dist/render.js", ...args], { cwd: repoRoot, encoding: "utf8" });
  const scratch = mkdtempSync(path.join(tmpdir(), "multinet-render-"));

  // Builds dist/ (or finds it current), as `npm run render` does before every run.
  beforeAll(() => expect(spawnSync("npm", ["run", "-s", "prerender"], { cwd: repoRoot }).status).toBe(0), 60_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("prints, via npm, exactly what the program renders in-process", async () => {
    const result = spawnSync("npm", ["run", "-s", "render", "--", "--stack", stacks[0]], { cwd: repoRoot, encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe((await renderedStack(stacks[0])).yaml);
  });

  // The recorder that dist/render.js bundles is proved equal in-process (test/recorder.test.ts);
  // this runs the bundle itself once per stack.
  it.each(stacks)("prints for --config with stack file %s what the program renders in-process", async (stack) => {
    expect(render(["--config", stackFilePath(stack)]).stdout).toBe((await renderedStack(stack)).yaml);
  });

  it("writes one file per component with --out, each holding that component's objects in order", async () => {
    const out = path.join(scratch, "out");
    expect(render(["--stack", "staging", "--out", out]).status).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(["calico-autodetection.yaml", "flannel-attachment.yaml", "multus.yaml", "network-attachment.yaml", "sample-pod.yaml"]);
    const { manifests } = await renderedStack("staging");
    for (const file of files) {
      const documents = parseAllDocuments(readFileSync(path.join(out, file), "utf8")).map((d) => d.toJS());
      expect(documents).toEqual(manifests.filter((m) => `${m.component}.yaml` === file).map((m) => m.object));
    }
  });

  it("refuses hostile stack files at once: nothing on stdout, one line per problem, no stack trace", async () => {
    const corpus = path.join(repoRoot, "test", "fixtures", "hostile");
    const cases = ["file-latin1", "yaml-alias-bomb", "ns-cyrillic-m", "many-problems"].map((name) => `Pulumi.${name}.yaml`);
    const outcomes = await Promise.all(cases.map((name) => new Promise<{ name: string; code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
      const started = Date.now();
      const child = execFile("node", ["dist/render.js", "--config", path.join(corpus, name)], { cwd: repoRoot, timeout: 30_000 },
        (_, stdout, stderr) => resolve({ name, code: child.exitCode, stdout, stderr, ms: Date.now() - started }));
    })));
    for (const { name, code, stdout, stderr, ms } of outcomes) {
      expect(code, name).toBe(1);
      expect(stdout, name).toBe("");
      expect(stderr, name).not.toMatch(/^\s+at |Error: .*\n\s+at /m);
      const lines = stderr.trimEnd().split("\n");
      expect(lines[0], name).toMatch(/^error: /);
      // Every further line is one problem: "  - <key>: …" (config) or "<file>: …" (the file itself).
      for (const line of lines.slice(1)) expect(line, name).toMatch(/^ {2}- \S|^\/\S+\.yaml: /);
      expect(ms, name).toBeLessThan(30_000);
    }
    expect(outcomes.find((o) => o.name === "Pulumi.many-problems.yaml")!.stderr.split("\n").filter((l) => l.startsWith("  - "))).toHaveLength(5);
  });

  it("on bad config exits 1 with preview's errors on stderr and nothing on stdout", async () => {
    const file = path.join(scratch, "Pulumi.broken.yaml");
    writeFileSync(file, "config:\n  multinet:flannel:\n    bakend: {type: vxlan}\n    network: 10.0.0.1/8\n");
    const program = await runProgram(pulumiConfigFromStackFile(file), { stack: "broken" });

    const result = render(["--config", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`error: ${(program.error as Error).message}\n`);
    expect(result.stderr).toContain("multinet:flannel.bakend: unknown key");
    expect(result.stderr).toContain('multinet:flannel.network: "10.0.0.1/8" must be a network address');
  });
});
