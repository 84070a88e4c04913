/**
 * renovate.json: the shape of what it configures (Renovate's own validator is too large a package to
 * run here), and that its regex managers find every pinned version, wherever a version is written,
 * as Renovate applies them: each file whose repository path matches a `managerFilePatterns` regex,
 * each `matchStrings` expression run globally over it (Renovate's regex manager documentation:
 * ECMAScript syntax, named groups `currentValue`, `depName`, `datasource`).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { versions } from "../lib/config/versions";
import { repoRoot } from "../lib/files/stackFiles";

interface CustomManager {
  customType: string;
  description: string;
  managerFilePatterns: string[];
  matchStrings: string[];
  datasourceTemplate?: string;
  depNameTemplate?: string;
  versioningTemplate?: string;
}

interface PackageRule { description: string; matchPackageNames: string[]; groupName: string }

interface RenovateConfig {
  $schema: string;
  description: string;
  extends: string[];
  constraintsFiltering: string;
  packageRules: PackageRule[];
  customManagers: CustomManager[];
}

const read = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");
const config = JSON.parse(read("renovate.json")) as RenovateConfig;
const trackedFiles = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" }).split("\n").filter(Boolean);

/** Datasources this configuration may name (Renovate's datasource ids). */
const datasources = ["docker", "github-releases", "github-tags", "npm"];

interface Dependency { file: string; depName: string; currentValue: string; datasource: string }

/** `"/^lib/x\\.ts$/"` → the RegExp Renovate builds from it. */
function filePattern(pattern: string): RegExp {
  expect(pattern, "a regex pattern is written between slashes").toMatch(/^\/.+\/$/);
  return new RegExp(pattern.slice(1, -1));
}

function filesOf(manager: CustomManager): string[] {
  return trackedFiles.filter((file) => manager.managerFilePatterns.some((p) => filePattern(p).test(file)));
}

function extract(manager: CustomManager): Dependency[] {
  return filesOf(manager).flatMap((file) => manager.matchStrings.flatMap((expression) =>
    [...read(file).matchAll(new RegExp(expression, "g"))].map((match) => ({
      file,
      depName: match.groups?.depName ?? manager.depNameTemplate ?? "",
      currentValue: match.groups?.currentValue ?? "",
      datasource: match.groups?.datasource ?? manager.datasourceTemplate ?? "",
    }))));
}

const dependencies = config.customManagers.flatMap(extract);

describe("renovate.json's shape", () => {
  it("has only the top-level options this project sets, with their types", () => {
    expect(Object.keys(config).sort()).toEqual(["$schema", "constraintsFiltering", "customManagers", "description", "extends", "packageRules"]);
    expect(config.$schema).toBe("https://docs.renovatebot.com/renovate-schema.json");
    expect(config.extends).toEqual(["config:recommended"]);
  });

  it("gives every package rule a reason, package names and a group", () => {
    for (const rule of config.packageRules) {
      expect(Object.keys(rule).sort()).toEqual(["description", "groupName", "matchPackageNames"]);
      expect(rule.matchPackageNames.length).toBeGreaterThan(0);
    }
  });

  it("gives every custom manager a file pattern, expressions that capture a version, a datasource and a name", () => {
    const allowed = ["customType", "datasourceTemplate", "depNameTemplate", "description", "managerFilePatterns", "matchStrings", "versioningTemplate"];
    for (const manager of config.customManagers) {
      expect(Object.keys(manager).filter((key) => !allowed.includes(key)), manager.description).toEqual([]);
      expect(manager.customType).toBe("regex");
      expect(filesOf(manager).length, `${manager.description}: no file matches`).toBeGreaterThan(0);
      for (const expression of manager.matchStrings) {
        const groups = new RegExp(`${expression}|`).exec("")!.groups ?? {};
        expect(Object.keys(groups), expression).toContain("currentValue");
        expect("depName" in groups || manager.depNameTemplate !== undefined, expression).toBe(true);
        expect("datasource" in groups || datasources.includes(manager.datasourceTemplate ?? ""), expression).toBe(true);
      }
    }
  });
});

describe("renovate.json's managers", () => {
  it("find every version and image in lib/config/versions.ts", () => {
    const found = dependencies.filter((d) => d.file === "lib/config/versions.ts");
    const pinned = Object.values(versions).map((value) => value.replace(/^.*:/, ""));
    expect(found.map((d) => d.currentValue).sort()).toEqual(pinned.sort());
    expect(found.every((d) => d.depName && datasources.includes(d.datasource))).toBe(true);
  });

  it("find the e2e workflow's kind and Calico releases and every Pulumi CLI release", () => {
    const e2e = parse(read(".github/workflows/e2e.yml")) as { env: Record<string, string>; jobs: { kind: { steps: Array<{ uses?: string; with?: Record<string, string> }> } } };
    const kindVersion = e2e.jobs.kind.steps.find((s) => s.uses?.startsWith("helm/kind-action@"))!.with!.version;
    const found = (depName: string) => dependencies.filter((d) => d.depName === depName && d.file === ".github/workflows/e2e.yml").map((d) => d.currentValue);
    expect(found("kubernetes-sigs/kind")).toEqual([kindVersion]);
    expect(found("projectcalico/calico")).toEqual([/calico\/(v[^/]+)\//.exec(e2e.env.CALICO_MANIFEST_URL)![1]]);

    const cliPins = trackedFiles.filter((f) => f.startsWith(".github/")).flatMap((f) => [...read(f).matchAll(/pulumi-version: (\S+)/g)].map((m) => m[1]));
    expect(cliPins.length).toBeGreaterThan(0);
    expect(dependencies.filter((d) => d.depName === "@pulumi/pulumi").map((d) => d.currentValue)).toEqual(cliPins);
  });

  // A pin is the version as a value: ending a quoted string, a path segment or a line. The same
  // version in prose ("v4.3.0 brought …") is history, not a pin.
  it("find every pin of a version in the files they cover, so a bump changes all of them", () => {
    const pinsOf = (text: string, value: string) =>
      text.match(new RegExp(`(?<![\\w.-])${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=["'/\n]|$)`, "g"))?.length ?? 0;
    for (const manager of config.customManagers) {
      const found = extract(manager);
      for (const file of filesOf(manager)) {
        for (const value of new Set(found.map((d) => d.currentValue))) {
          const occurrences = pinsOf(read(file), value);
          expect(found.filter((d) => d.file === file && d.currentValue === value).length, `${file}: ${value} (${manager.description})`).toBe(occurrences);
        }
      }
    }
  });

  it("match each version with the versioning they declare", () => {
    for (const manager of config.customManagers.filter((m) => m.versioningTemplate?.startsWith("regex:"))) {
      const versioning = new RegExp(manager.versioningTemplate!.slice("regex:".length));
      for (const { currentValue } of extract(manager)) expect(currentValue).toMatch(versioning);
    }
  });
});

describe("npm updates", () => {
  it("are held to package.json's engines.node (constraintsFiltering strict), so none needs a Node.js the project still supports not to have", () => {
    expect(config.constraintsFiltering).toBe("strict");
    expect(JSON.parse(read("package.json")).engines.node).toMatch(/^>=\d+/);
  });

  it("move the Pulumi SDK of both package.json files and the workflows' CLI in one group", () => {
    const group = config.packageRules.find((rule) => rule.matchPackageNames.includes("@pulumi/pulumi"));
    expect(group?.groupName).toBeTruthy();
    for (const file of ["package.json", "policy/package.json"]) expect(JSON.parse(read(file)).dependencies["@pulumi/pulumi"], file).toBeDefined();
  });
});
