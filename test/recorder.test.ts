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
import { pulumiConfigFromStackText } from "../lib/config/sources";
import { pulumiConfigForStack, repoRoot, stackNames } from "../lib/files/stackFiles";
import { scaleStackText } from "../lib/files/scaleStack";
import { runProgram } from "./helpers/mockProgram";

const sdkRedirects = Object.entries(redirects).filter(([specifier]) => specifier.startsWith("@pulumi/"));

/** The program run as dist/render.js runs it: every Pulumi SDK import redirected to its stand-in. */
async function recordedRun(config: Record<string, string>, stack: string): Promise<ProgramRun> {
  vi.resetModules();
  for (const [specifier, file] of sdkRedirects) vi.doMock(specifier, () => import(path.join(repoRoot, file)));
  const { runProgram: record } = await import("../lib/render/recorder/run");
  return record(() => import(".."), config, { stack });
}

afterEach(() => {
  for (const [specifier] of sdkRedirects) vi.doUnmock(specifier);
  vi.resetModules();
});

/** Everything a registration says, in a stable order (the real runtime registers asynchronously). */
function registrations(run: ProgramRun): Array<Omit<RegisteredResource, "dependencies">> {
  return run.resources.map(({ dependencies: _, ...rest }) => rest).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
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

describe.each(corpus())("%s", (_, stack, config) => {
  it("registers the same resources and renders the same bytes under the recorder as under the mock runtime", async () => {
    const real = await runProgram(config, { stack });
    const recorded = await recordedRun(config, stack);
    expect(real.error).toBeUndefined();
    expect(real.resources.length).toBeGreaterThan(0);
    expect(recorded.error).toBeUndefined();

    expect(registrations(recorded)).toEqual(registrations(real));
    const [realManifests, recordedManifests] = [manifestsOf(real.resources), manifestsOf(recorded.resources)];
    expect(manifestsYaml(recordedManifests, stack)).toBe(manifestsYaml(realManifests, stack));
    expect(manifestFiles(recordedManifests, stack)).toEqual(manifestFiles(realManifests, stack));
  });
});

describe("the corpus", () => {
  it("registers every component type declared in components/", async () => {
    const declared = readdirSync(path.join(repoRoot, "components"))
      .flatMap((file) => [...readFileSync(path.join(repoRoot, "components", file), "utf8").matchAll(/"(multinet:index:\w+)"/g)].map((m) => m[1]));
    expect(declared.length).toBeGreaterThan(0);
    const registered = new Set<string>();
    for (const [, stack, config] of corpus()) for (const r of (await recordedRun(config, stack)).resources) registered.add(r.type);
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

describe("the stand-in's redirects", () => {
  it("name files that exist and cover every Pulumi SDK the project depends on", () => {
    for (const file of Object.values(redirects)) expect(readFileSync(path.join(repoRoot, file), "utf8").length).toBeGreaterThan(0);
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const sdks = Object.keys(packageJson.dependencies).filter((name) => name.startsWith("@pulumi/"));
    expect(sdks.filter((name) => !(name in redirects))).toEqual([]);
  });
});
