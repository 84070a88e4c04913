/**
 * `npm run docs:config`: writes docs/configuration.md, the configuration reference, from the schema
 * in lib/config/ (test/configReference.test.ts fails when the committed file is out of date).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { configurationReference } from "../lib/config/documentation";
import { repoRoot } from "../lib/files/stackFiles";

const file = path.join(repoRoot, "docs", "configuration.md");
writeFileSync(file, configurationReference());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
