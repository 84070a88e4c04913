/**
 * The configuration reference (docs/configuration.md), generated from the schema so that every
 * default and meaning is written once, in the schema: defaults from `.default()`/`.prefault()`,
 * meanings from `.meta({ description })`. Objects without a description are documented key by key
 * (dotted), objects and lists with one as a single row; a discriminated union gets a row for its
 * discriminator and tags the keys only some variants have.
 */
import { z } from "zod";
import { configNamespace } from "./errors";
import { stackConfigSchema } from "./schema";

type Schema = z.core.$ZodType;

interface Row {
  key: string;
  /** Conditions such as "`backend.type`: vxlan" under which the key applies. */
  when: string[];
  default: string;
  meaning: string;
}

interface Unwrapped {
  schema: Schema;
  description?: string;
  default?: { value: unknown };
  optional: boolean;
}

/** Peels defaults and optionality off a schema, collecting its description from any layer. */
function unwrap(schema: Schema): Unwrapped {
  let description: string | undefined;
  let fallback: { value: unknown } | undefined;
  let optional = false;
  for (let current = schema; ;) {
    description ??= z.globalRegistry.get(current)?.description;
    const def = current._zod.def as { type: string; innerType?: Schema; defaultValue?: unknown; in?: Schema };
    if (def.type === "default" || def.type === "prefault") fallback ??= { value: def.defaultValue };
    else if (def.type === "optional") optional = true;
    // A transform (a default computed from other keys) documents the schema it reads.
    else if (def.type === "pipe") {
      current = def.in!;
      continue;
    } else return { schema: current, description, default: fallback, optional };
    current = def.innerType!;
  }
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);
const shapeOf = (schema: Schema) => (schema._zod.def as unknown as { shape: Record<string, Schema> }).shape;

function defaultText(unwrapped: Unwrapped): string {
  if (unwrapped.default) return code(unwrapped.default.value);
  return unwrapped.optional ? "unset" : "required";
}

function rowsOf(schema: Schema, key: string): Row[] {
  const unwrapped = unwrap(schema);
  const def = unwrapped.schema._zod.def as { type: string; discriminator?: string };
  if (def.type === "object" && !unwrapped.description) {
    return Object.entries(shapeOf(unwrapped.schema)).flatMap(([name, child]) => rowsOf(child, join(key, name)));
  }
  if (def.type === "union" && def.discriminator) return unionRows(unwrapped, key, def.discriminator);
  if (!unwrapped.description) throw new Error(`${key} has no description; add .meta({ description }) to its schema`);
  return [{ key, when: [], default: defaultText(unwrapped), meaning: unwrapped.description }];
}

/** The discriminator's row, then each key once, tagged with the variants that have it (unless all do). */
function unionRows(union: Unwrapped, key: string, discriminator: string): Row[] {
  const discriminatorKey = join(key, discriminator);
  if (!union.description) throw new Error(`${discriminatorKey} has no description; add .meta({ description }) to the union`);
  const fallback = union.default?.value as Record<string, unknown> | undefined;
  const first: Row = {
    key: discriminatorKey, when: [], meaning: union.description,
    default: fallback ? code(fallback[discriminator]) : union.optional ? "unset" : "required",
  };
  const options = (union.schema._zod.def as unknown as { options: Schema[] }).options.map((option) => unwrap(option).schema);
  const merged = new Map<string, { row: Row; variants: string[] }>();
  for (const option of options) {
    const { [discriminator]: tag, ...rest } = shapeOf(option);
    const variant = String((tag._zod.def as unknown as { values: unknown[] }).values[0]);
    for (const row of Object.entries(rest).flatMap(([name, child]) => rowsOf(child, join(key, name)))) {
      const signature = JSON.stringify(row);
      const entry = merged.get(signature) ?? merged.set(signature, { row, variants: [] }).get(signature)!;
      entry.variants.push(variant);
    }
  }
  return [first, ...[...merged.values()].map(({ row, variants }) =>
    (variants.length === options.length ? row : { ...row, when: [`\`${discriminatorKey}\`: ${variants.join(", ")}`, ...row.when] }))];
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

function table(rows: Row[]): string {
  const lines = rows.map((row) => {
    const key = `\`${row.key}\`${row.when.length ? ` (${row.when.join("; ")})` : ""}`;
    return `| ${cell(key)} | ${cell(row.default)} | ${cell(row.meaning)} |`;
  });
  return ["| key | default | meaning |", "| --- | --- | --- |", ...lines].join("\n");
}

function section(name: string, schema: Schema): string {
  const unwrapped = unwrap(schema);
  const def = unwrapped.schema._zod.def as unknown as { type: string; element?: Schema };
  let rows: Row[];
  try {
    rows = def.type === "array"
      ? rowsOf(def.element!, "")
      : Object.entries(shapeOf(unwrapped.schema)).flatMap(([key, child]) => rowsOf(child, key));
  } catch (error) {
    throw new Error(`${configNamespace}:${name}: ${(error as Error).message}`);
  }
  return [`## \`${configNamespace}:${name}\``, "", ...(unwrapped.description ? [unwrapped.description, ""] : []), table(rows)].join("\n");
}

/** docs/configuration.md, as `npm run docs:config` writes it (from `sections`, the stack's schema). */
export function configurationReference(sections: { shape: Record<string, Schema> } = stackConfigSchema): string {
  const intro = [
    "# Configuration reference",
    "",
    "<!-- Generated from the schema in lib/config/ by `npm run docs:config`; edit the schema, not this file. -->",
    "",
    `Every key lives under the \`${configNamespace}:\` namespace of a stack file; all are optional unless marked`,
    "required. Unknown keys are errors. Versions and default images are pinned in one place,",
    "`lib/config/versions.ts`. Values are checked the way their consumer reads them (Go's RE2 for regular",
    "expressions, the API server's rules for tolerations, labels, quantities and images, the kernel's for",
    "interface names), and the stack file the way the Pulumi CLI reads it: see [validation.md](validation.md). A change to",
    "Multus's or Flannel's config restarts their pods (a hash of the config is on the pod template): both",
    "read it only at start. Nested keys are dotted (`resources.requests.cpu`); a key that only some",
    "variants have says which, e.g. (`backend.type`: vxlan).",
  ].join("\n");
  const body = Object.entries(sections.shape).map(([name, schema]) => section(name, schema));
  return `${[intro, ...body].join("\n\n")}\n`;
}
