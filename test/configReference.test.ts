/**
 * docs/configuration.md is generated from the schema (npm run docs:config): the committed file must
 * be what the schema says today, and the generator must refuse a key nobody described.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { versions } from "../lib/config/versions";
import { configurationReference } from "../lib/config/documentation";
import { repoRoot } from "../lib/files/stackFiles";

describe("the configuration reference", () => {
  it("is committed as the schema generates it (run `npm run docs:config` after changing lib/config/)", () => {
    const committed = readFileSync(path.join(repoRoot, "docs", "configuration.md"), "utf8");
    expect(committed).toBe(configurationReference());
  });

  it("takes defaults from the schema, nested keys dotted and variant keys tagged", () => {
    const reference = configurationReference();
    expect(reference).toContain(`| \`version\` | \`${versions.multus}\` | release tag;`);
    expect(reference).toContain("| `resources.limits.memory` | `300Mi` | memory limit of the Multus daemon container |");
    expect(reference).toContain("| `backend.vni` (`backend.type`: vxlan) | `1` |");
    expect(reference).toContain("| `ipam.addresses` (`type`: macvlan, bridge, ipvlan, host-device, vlan; `ipam.type`: static) | unset |");
  });

  it("refuses a key without a description", () => {
    const sections = { demo: z.object({ described: z.boolean().default(true).meta({ description: "on" }), bare: z.number().optional() }) };
    expect(() => configurationReference({ shape: sections })).toThrow(/^multinet:demo: bare has no description/);
  });
});
