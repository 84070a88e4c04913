/**
 * `npm run render` runs the program with lib/render/recorder in place of the Pulumi SDKs and the mock
 * runtime (dist/render.js, lib/render/recorder/redirects.json). These tests load the program both
 * ways in this process, with the same redirects the bundle uses, and require the same registrations
 * and byte-identical output, whole and per component file, for every stack in stacks/ and a corpus
 * of variants; and that the corpus exercises every component in components/.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import redirects from "../lib/render/recorder/redirects.json";
import type { ProgramRun, RegisteredResource } from "../lib/render/programRun";
import { manifestFiles, manifestsOf, manifestsYaml } from "../lib/render/manifests";
import { pulumiConfigFromStackText } from "../lib/config/stackFile";
import { pulumiConfigForStack, repoRoot, stackNames } from "../lib/files/stackFiles";
import { scaleStackText } from "../lib/files/scaleStack";
import { runProgram } from "./helpers/mockProgram";
import { runProgram as runUnderMocks } from "../lib/render/mockRuntime";

const sdkRedirects = Object.entries(redirects).filter(([specifier]) => specifier.startsWith("@pulumi/"));

/** Runs `load` as dist/render.js runs the program: every Pulumi SDK import redirected to its stand-in. */
async function recorded(load: () => Promise<unknown>, config: Record<string, string>, stack: string): Promise<ProgramRun> {
  vi.resetModules();
  for (const [specifier, file] of sdkRedirects) vi.doMock(specifier, () => import(path.join(repoRoot, file)));
  const { runProgram: record } = await import("../lib/render/recorder/run");
  return record(load, config, { stack });
}

const recordedRun = (config: Record<string, string>, stack: string) => recorded(() => import("../index"), config, stack);

afterEach(() => {
  for (const [specifier] of sdkRedirects) vi.doUnmock(specifier);
  vi.resetModules();
});

/** Everything a registration says, in a stable order (the real runtime registers asynchronously). */
function registrations(run: ProgramRun): RegisteredResource[] {
  return run.resources.map((r) => ({ ...r, dependencies: [...r.dependencies].sort() })).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

/** `[label, stack name, config]`: the stacks, and variants that switch on what they leave off. */
function corpus(): Array<[string, string, Record<string, string>]> {
  const staging = pulumiConfigForStack("staging");
  const psk = Buffer.from("multinet-test-psk-32-bytes-long!").toString("base64");
  return [
    ...stackNames().map((stack): [string, string, Record<string, string>] => [stack, stack, pulumiConfigForStack(stack)]),
    ["staging with WireGuard (a Secret)", "staging", {
      ...staging, "multinet:flannel": JSON.stringify({ iface: ["eth1"], backend: { type: "wireguard", psk } }),
    }],
    ["staging with thin Multus", "staging", { ...staging, "multinet:multus": JSON.stringify({ mode: "thin" }) }],
    ["staging with 30 more NADs", "scale", pulumiConfigFromStackText(scaleStackText(30), "scale", "refuse").config],
  ];
}

const entries = corpus();

/** Each corpus entry's recorded run, made once: the component coverage reuses them. */
const recordedRuns = new Map<string, Promise<ProgramRun>>();
function recordedRunOf([label, stack, config]: [string, string, Record<string, string>]): Promise<ProgramRun> {
  if (!recordedRuns.has(label)) recordedRuns.set(label, recordedRun(config, stack));
  return recordedRuns.get(label)!;
}

describe.each(entries)("%s", (label, stack, config) => {
  it("registers the same resources and renders the same bytes under the recorder as under the mock runtime", async () => {
    const real = await runProgram(config, { stack });
    const recorded = await recordedRunOf([label, stack, config]);
    expect(real.error).toBeUndefined();
    expect(real.resources.length).toBeGreaterThan(0);
    expect(recorded.error).toBeUndefined();

    expect(registrations(recorded)).toEqual(registrations(real));
    const [realManifests, recordedManifests] = [manifestsOf(real.resources), manifestsOf(recorded.resources)];
    expect(manifestsYaml(recordedManifests, stack)).toBe(manifestsYaml(realManifests, stack));
    expect(manifestFiles(recordedManifests, stack)).toEqual(manifestFiles(realManifests, stack));
  }, 60_000); // the first run loads the Pulumi SDK, slow on a busy machine
});

describe("the corpus", () => {
  it("registers every component type declared in components/", async () => {
    const declared = readdirSync(path.join(repoRoot, "components"))
      .flatMap((file) => [...readFileSync(path.join(repoRoot, "components", file), "utf8").matchAll(/"(multinet:index:\w+)"/g)].map((m) => m[1]));
    expect(declared.length).toBeGreaterThan(0);
    const registered = new Set<string>();
    for (const entry of entries) for (const r of (await recordedRunOf(entry)).resources) registered.add(r.type);
    expect(declared.filter((type) => !registered.has(type))).toEqual([]);
  });

  it("fails the same way on bad config", async () => {
    const config = { ...pulumiConfigForStack("staging"), "multinet:flannel": JSON.stringify({ bakend: { type: "vxlan" } }) };
    const real = await runProgram(config, { stack: "staging" });
    const recorded = await recordedRun(config, "staging");
    expect((recorded.error as Error).message).toBe((real.error as Error).message);
    expect((recorded.error as Error).message).toContain("multinet:flannel.bakend: unknown key");
  });
});

describe("the @pulumi/kubernetes stand-in", () => {
  // A plain Secret, which no component registers today: the real class wraps data and stringData as
  // secrets itself (@pulumi/kubernetes core/v1/secret.js lines 80 and 84).
  it("registers a Secret given plain data as the real class does", async () => {
    const program = async () => {
      const k8s = await import("@pulumi/kubernetes");
      new k8s.core.v1.Secret("plain", { metadata: { name: "plain" }, data: { key: "dmFsdWU=" }, stringData: { other: "value" } });
    };
    const real = await runUnderMocks(program, {}, { stack: "unit" });
    expect(real.resources).toHaveLength(1);
    expect(registrations(await recorded(program, {}, "unit"))).toEqual(registrations(real));
  });
});

describe("the @pulumi/pulumi stand-in", () => {
  it("refuses a URN registered twice, as the engine does (the mock monitor keeps the last one)", async () => {
    const program = async () => {
      const k8s = await import("@pulumi/kubernetes");
      for (let i = 0; i < 2; i++) new k8s.core.v1.ConfigMap("twice", { metadata: { name: "twice" } });
    };
    const run = await recorded(program, {}, "unit");
    expect((run.error as Error).message).toBe("Duplicate resource URN 'urn:pulumi:unit::multinet::kubernetes:core/v1:ConfigMap::twice'; try giving it a unique name");
    expect(run.resources).toHaveLength(1);
  });
});

describe("the stand-in's redirects", () => {
  it("name files that exist and cover every Pulumi SDK the project depends on", () => {
    for (const file of Object.values(redirects)) expect(readFileSync(path.join(repoRoot, file), "utf8").length).toBeGreaterThan(0);
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const sdks = Object.keys(packageJson.dependencies).filter((name) => name.startsWith("@pulumi/"));
    expect(sdks.filter((name) => !(name in redirects))).toEqual([]);
  });
});
