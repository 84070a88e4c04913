/**
 * Config keys outside `multinet:` that were surely meant for it. Pulumi hands the program every key
 * of the stack; multinet reads only `multinet:` ones, so `multnet:flannel`, `Multinet:flannel`, a
 * namespace spelt with look-alike letters (Cyrillic `м`, full-width `ｍ`, a zero-width space) or a
 * section name used as a namespace (`flannel:backend`) would silently be ignored. Those are errors;
 * other providers' namespaces (`kubernetes:`, `pulumi:`, `aws:`, …) are not ours to judge.
 */
import { configNamespace, shorten } from "./errors";
import { stackConfigSchema } from "./schema";

const sectionNames = Object.keys(stackConfigSchema.shape).map((name) => name.toLowerCase());

/** Letters from other scripts that look like Latin ones (a subset of Unicode's confusables.txt). */
const confusables: Record<string, string> = {
  а: "a", в: "b", е: "e", ё: "e", з: "3", і: "i", ї: "i", ј: "j", к: "k", м: "m", н: "h", о: "o", п: "n", р: "p",
  с: "c", т: "t", у: "y", х: "x", ѕ: "s", ԁ: "d", ԛ: "q", ԝ: "w", ո: "n", ս: "u", ց: "g", օ: "o",
  α: "a", ε: "e", ι: "i", κ: "k", μ: "u", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ı: "i", ɩ: "i", ł: "l", ℓ: "l",
};

/** The Latin-looking spelling of a name: NFKC, no accents or invisible characters, look-alikes mapped. */
function skeleton(name: string): string {
  return name.normalize("NFKC").toLowerCase().normalize("NFD")
    .replace(/[\p{M}\p{Default_Ignorable_Code_Point}\s]/gu, "")
    .replace(/[^ -~]/g, (c) => confusables[c] ?? c);
}

/** Optimal-string-alignment distance, stopping early once above `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/** Why a namespace other than `multinet` looks meant for multinet, or undefined. */
export function lookAlikeNamespaceProblem(namespace: string): string | undefined {
  if (namespace === configNamespace || namespace.length > 64) return undefined;
  const shape = skeleton(namespace);
  if (sectionNames.includes(shape)) return `is a multinet section used as a namespace; write ${configNamespace}:${namespace}`;
  if (editDistance(shape, configNamespace, 2) <= 2) {
    return `looks like "${configNamespace}" but is not it, so multinet would ignore the value; write ${configNamespace}:<key> exactly`;
  }
  return undefined;
}

/** A key as JSON, with invisible and format characters spelt out (`multi\u200bnet`). */
const visible = (text: string) => JSON.stringify(shorten(text)).replace(/[\p{Cf}\p{Zs}\p{Cc}]/gu, (c) => (c === " " ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`));

/** Problems with the keys of a Pulumi config map (`namespace:name`), one line each. */
export function namespaceProblems(keys: readonly string[]): string[] {
  return keys.flatMap((key) => {
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? key : key.slice(0, colon);
    const problem = lookAlikeNamespaceProblem(namespace);
    return problem ? [`${visible(key)}: the namespace ${visible(namespace)} ${problem}`] : [];
  });
}

/**
 * Why the Pulumi CLI (config.ParseKey, sdk/go/common/resource/config/key.go) would refuse a stack
 * file's key, or why multinet does: at most one colon (`name`, which Pulumi puts in the project's
 * namespace, or `namespace:name`); the old `namespace:config:name` form Pulumi still takes is
 * refused for multinet, whose docs and errors use one spelling only.
 */
export function stackKeyProblem(key: string): string | undefined {
  const parts = key.split(":");
  if (parts.length <= 2) return undefined;
  if (parts.length === 3 && parts[1] === "config") {
    return parts[0] === configNamespace ? `uses the old <namespace>:config:<name> form; write ${configNamespace}:${parts[2]}` : undefined;
  }
  return "has more than one ':'; Pulumi config keys are <namespace>:<name>";
}
