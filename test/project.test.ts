import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../lib/files/stackFiles";

// The fields of Pulumi's project schema (sdk/go/common/workspace/project.json) this project uses:
// name and runtime are required; runtime is a name or {name, options}; stackConfigDir is a path.
const pulumiProject = z.looseObject({
  name: z.string().min(1).regex(/^[\w.-]+$/),
  description: z.string().nullable().optional(),
  runtime: z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() })]),
  main: z.string().nullable().optional(),
  stackConfigDir: z.string().nullable().optional(),
});

/** Every .ts file under a project folder, relative to the root. */
function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join(dir, file));
}

describe("project files", () => {
  const project = parse(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"));

  it("Pulumi.yaml is a Node.js project named multinet with its stacks in stacks/", () => {
    const parsed = pulumiProject.parse(project);
    expect(parsed).toMatchObject({ name: "multinet", runtime: { name: "nodejs" }, stackConfigDir: "stacks" });
  });

  it("keeps upstream versions in lib/config/versions.ts only", () => {
    const sources = ["index.ts", ...sourceFiles("lib"), ...sourceFiles("components")].filter((file) => file !== "lib/config/versions.ts");
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const text = readFileSync(path.join(repoRoot, file), "utf8");
      expect(text, file).not.toMatch(/v4\.\d+\.\d+|v0\.2\d\.\d+|v1\.\d+\.\d+-flannel|nginx:\d/);
    }
  });
});
