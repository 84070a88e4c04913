import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { cruise, type IConfiguration, type ICruiseOptions, type ICruiseResult, type IViolation } from "dependency-cruiser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../lib/files/stackFiles";

// The folder rules of .dependency-cruiser.cjs, run as `npm run lint:deps` runs them.
const sourceRoots = ["index.ts", "components", "lib", "scripts", "policy", "test"];

const config: IConfiguration = createRequire(__filename)(path.join(repoRoot, ".dependency-cruiser.cjs"));
const { options, ...ruleSet } = config;

async function violationsIn(baseDir: string, cruiseOptions: ICruiseOptions = {}): Promise<IViolation[]> {
  const { output } = await cruise(sourceRoots, { ...options, ruleSet, validate: true, ...cruiseOptions, baseDir });
  return (output as ICruiseResult).summary.violations;
}

/** "rule: from -> to"; a cycle as "no-circular: a -> b -> … -> a". */
function describeViolation({ rule, from, to, cycle }: IViolation): string {
  const steps = cycle ? [from, ...cycle.map((step) => step.name)] : [from, to];
  return `${rule.name}: ${steps.join(" -> ")}`;
}

describe("dependency rules", () => {
  it("the project breaks none", async () => {
    const violations = await violationsIn(repoRoot);
    expect(violations.map(describeViolation), "fix these imports").toEqual([]);
  });

  describe("a tree that breaks them", () => {
    // Laid out like the project. Imports point down this list, so the one import cycle is the
    // planted one (lib/config <-> lib/build); a comment names the rule an import breaks.
    const files: Record<string, string> = {
      "index.ts": 'import "./lib/kube/client"; // index-wires-components\nimport "./components/pod";\n',
      "components/pod.ts": 'import "../lib/kube/client"; // components-import-pure-modules\nimport "../lib/config";\nimport "../lib/hooks/diagnose";\n',
      "lib/hooks/diagnose.ts": 'import "../kube/client"; // hooks-import-pure-modules\nimport "../verify/judge";\n',
      "lib/kube/client.ts": 'import "../render/print"; // kube-imports-pure-modules\nimport "../verify/judge";\n',
      "lib/render/print.ts": 'import "../verify/judge"; // render-imports-pure-modules\n',
      "lib/verify/judge.ts": 'import "../files/read"; // verify-is-pure\nimport "../build/objects";\n',
      "lib/build/objects.ts": 'import "../config";\nimport "../files/read"; // build-imports-only-config\n',
      "lib/files/read.ts": 'import "../net/procnet"; // files-imports-only-config\nimport "../config/versions";\n',
      "lib/config/index.ts": 'import "../build/objects"; // config-is-the-ground-floor, no-circular\nimport "../net/procnet"; // config-is-the-ground-floor\n',
      "lib/config/versions.ts": "export const version = 1;\n",
      "lib/net/procnet.ts": 'import "../config/versions"; // net-is-a-leaf\n',
      "policy/rules.ts": 'import "../lib/config/versions"; // policy-is-self-contained\n',
      "scripts/cli.ts": 'import "../test/helper"; // nothing-imports-tests\n',
      "scripts/other.ts": 'import "./cli"; // nothing-imports-scripts\n',
      "test/helper.ts": "export const helper = 1;\n",
      "test/cli.test.ts": 'import "../scripts/cli";\nimport "../lib/kube/client";\nimport "./helper";\n',
    };
    let fixture: string;
    beforeAll(() => {
      fixture = mkdtempSync(path.join(tmpdir(), "multinet-dependencies-"));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(fixture, file)), { recursive: true });
        writeFileSync(path.join(fixture, file), text);
      }
    });
    afterAll(() => rmSync(fixture, { recursive: true, force: true }));

    it("reports every broken rule and the cycle, naming the imports", async () => {
      const violations = (await violationsIn(fixture)).map(describeViolation);
      expect(violations.sort()).toEqual([
        "build-imports-only-config: lib/build/objects.ts -> lib/files/read.ts",
        "components-import-pure-modules: components/pod.ts -> lib/kube/client.ts",
        "config-is-the-ground-floor: lib/config/index.ts -> lib/build/objects.ts",
        "config-is-the-ground-floor: lib/config/index.ts -> lib/net/procnet.ts",
        "files-imports-only-config: lib/files/read.ts -> lib/net/procnet.ts",
        "hooks-import-pure-modules: lib/hooks/diagnose.ts -> lib/kube/client.ts",
        "index-wires-components: index.ts -> lib/kube/client.ts",
        "kube-imports-pure-modules: lib/kube/client.ts -> lib/render/print.ts",
        "net-is-a-leaf: lib/net/procnet.ts -> lib/config/versions.ts",
        "no-circular: lib/build/objects.ts -> lib/config/index.ts -> lib/build/objects.ts",
        "nothing-imports-scripts: scripts/other.ts -> scripts/cli.ts",
        "nothing-imports-tests: scripts/cli.ts -> test/helper.ts",
        "policy-is-self-contained: policy/rules.ts -> lib/config/versions.ts",
        "render-imports-pure-modules: lib/render/print.ts -> lib/verify/judge.ts",
        "verify-is-pure: lib/verify/judge.ts -> lib/files/read.ts",
      ]);
    });
  });
});
