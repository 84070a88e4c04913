/**
 * Reading the upstream manifests in test/fixtures/upstream/ and diffing objects field by field.
 * js-yaml, because multi-networkpolicy's scheme.yml is YAML only Go-style lenient readers accept
 * (test/fixtures/upstream/README.md).
 */
import { loadAll } from "js-yaml";
import { readFileSync } from "node:fs";
import path from "node:path";

const fixtures = path.join(__dirname, "..", "fixtures", "upstream");

export type Json = Record<string, unknown>;

/** The objects of one fixture file. */
export function upstreamObjects(file: string): Json[] {
  return (loadAll(readFileSync(path.join(fixtures, file), "utf8")) as Json[]).filter(Boolean);
}

/** The object of `kind` named `name` in a fixture file. */
export function upstreamObject(file: string, kind: string, name: string): Json {
  const found = upstreamObjects(file).find((o) => o.kind === kind && (o.metadata as Json).name === name);
  if (!found) throw new Error(`${file} has no ${kind} ${name}`);
  return found;
}

/** A copy without `description` keys (CRD schemas: the text is upstream's, the structure is the contract). */
export function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "description").map(([k, v]) => [k, withoutDescriptions(v)]));
  }
  return value;
}

/** Every leaf as `a.b[0].c` → JSON value; empty objects and arrays are leaves too. */
export function leaves(value: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, key: string) => {
    if (Array.isArray(v) && v.length) v.forEach((item, i) => walk(item, `${key}[${i}]`));
    else if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) {
      for (const [k, child] of Object.entries(v)) walk(child, key ? `${key}.${k}` : k);
    } else out.set(key, JSON.stringify(v));
  };
  walk(value, prefix);
  return out;
}

/** Field-by-field differences: `path: upstream → ours` (`(absent)` where one side lacks the field). */
export function fieldDifferences(upstream: unknown, ours: unknown): string[] {
  const [a, b] = [leaves(upstream), leaves(ours)];
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? "(absent)"} → ${b.get(k) ?? "(absent)"}`);
}
