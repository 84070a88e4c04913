/**
 * How config errors are worded: each names its key as a stack file writes it
 * (`multinet:flannel.backend.vni`), the value and what is allowed.
 */
import type { z } from "zod";

export const configNamespace = "multinet";

export type Path = readonly PropertyKey[];

/** Text cut to about `max` characters, saying how long it was: error lines stay short whatever the input. */
export function shorten(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}…(${text.length} characters)`;
}

/** `multinet:flannel.backend.vni`, `multinet:networks[1].ipam.ranges[0].subnet`. */
export function configKey(path: Path): string {
  let key = configNamespace;
  path.forEach((segment, index) => {
    if (typeof segment === "number") key += `[${segment}]`;
    else key += `${index === 0 ? ":" : "."}${shorten(String(segment))}`;
  });
  return key;
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One zod issue as error lines; `input` holds the raw values below `prefix`, the key path of the parsed value. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown, prefix: Path): string[] {
  const path = [...prefix, ...issue.path];
  // A default filled in by the schema is not in the input; checks on it pass it as the issue's input.
  const value = valueAt(input, path) ?? (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => `${configKey([...path, k])}: unknown key; ${issue.message}`);
    case "invalid_type":
      return [`${configKey(path)}: ${show(value)} is not valid; expected ${issue.expected}`];
    case "too_big":
    case "too_small": {
      const big = issue.code === "too_big";
      const size = issue.origin === "array" ? (big ? "long" : "short") : (big ? "large" : "small");
      const unit = issue.origin === "array" ? " entries" : issue.origin === "string" ? " characters" : "";
      const limit = big ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
      return [`${configKey(path)}: ${show(value)} is too ${size}; allowed: ${limit}${unit}`];
    }
    case "invalid_value":
      return [`${configKey(path)}: ${show(value)} is not allowed; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`];
    case "invalid_union": {
      const options = (issue as { options?: unknown[] }).options;
      if (options) return [`${configKey(path)}: ${show(value)} is not allowed; allowed: ${options.map((v) => JSON.stringify(v)).join(", ")}`];
      return [`${configKey(path)}: ${show(value)} ${issue.message}`];
    }
    default:
      return [`${configKey(path)}: ${show(value)} ${issue.message}`];
  }
}

/** Formats validation errors as one message, one error a line. */
export function formatConfigErrors(errors: string[]): string {
  return `multinet: the stack config has ${errors.length} error${errors.length === 1 ? "" : "s"}:\n${errors.map((e) => `  - ${e}`).join("\n")}`;
}
