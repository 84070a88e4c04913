/**
 * YAML read the way the Pulumi CLI reads a stack file: gopkg.in/yaml.v3 decodes it, and Pulumi turns
 * each config value into a string (sdk/go/common/resource/config, value.go unmarshalValue and
 * object.go unmarshalObject): a top-level scalar keeps its text; a map or list is decoded into Go
 * values and marshalled as JSON. Where yaml.v3 (YAML 1.1-flavoured, resolve.go) and a YAML 1.2
 * reader disagree, this module follows yaml.v3 or refuses:
 * - plain `0755` is octal 493, `0o755`, `0x1F` and `0b101` are numbers, `_` inside numbers is
 *   dropped (`1_000` is 1000), `yes`/`no`/`on`/`off` are strings, `true`/`True`/`TRUE` booleans;
 * - refused: timestamps (Pulumi turns them into Go's time text), `.nan`/`.inf` (Go's json.Marshal
 *   fails on them), integers JavaScript cannot hold exactly, keys that are not strings, merge keys
 *   (`<<`), explicit tags other than !!str, !!map and !!seq, and alias bombs (yaml.v3's own rule).
 * Duplicate keys are an error in both. Every problem comes back as one line with its place.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import { shorten } from "./errors";

const tagPrefix = "tag:yaml.org,2002:";
const allowedTags = new Set([`${tagPrefix}str`, `${tagPrefix}map`, `${tagPrefix}seq`]);
/**
 * yaml.v3's guard against alias bombs (decode.go, allowedAliasRatio): once more than 100 nodes were
 * decoded through aliases and more than 1000 in all, the share decoded through aliases may be at
 * most 0.99, falling to 0.10 between 400,000 and 4,000,000 decoded nodes.
 */
function allowedAliasRatio(decoded: number): number {
  if (decoded <= 400_000) return 0.99;
  if (decoded >= 4_000_000) return 0.10;
  return 0.99 - 0.89 * ((decoded - 400_000) / 3_600_000);
}

type Resolved = { ok: true; value: unknown } | { ok: false; problem: string };

const resolveMap: Record<string, unknown> = {
  true: true, True: true, TRUE: true, false: false, False: false, FALSE: false,
  "": null, "~": null, null: null, Null: null, NULL: null,
  ".nan": NaN, ".NaN": NaN, ".NAN": NaN,
  ".inf": Infinity, ".Inf": Infinity, ".INF": Infinity, "+.inf": Infinity, "+.Inf": Infinity, "+.INF": Infinity,
  "-.inf": -Infinity, "-.Inf": -Infinity, "-.INF": -Infinity,
};

/** Go's strconv.ParseInt/ParseUint with base 0 (0x, 0o, 0b, leading-0 octal), as a BigInt or undefined. */
function goInteger(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, digits] = match;
  const body = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.replace(/^0([XOB])/, (_, p: string) => `0${p.toLowerCase()}`);
  const value = BigInt(body) * (sign === "-" ? -1n : 1n);
  return value >= -(2n ** 63n) && value < 2n ** 64n ? value : undefined;
}

/** yaml.v3's resolve() for a plain scalar without tag. */
export function resolvePlainScalar(text: string): Resolved {
  const shown = shorten(text);
  const hint = text === "" ? "N" : /^[+-]/.test(text) ? "S" : /^\d/.test(text) ? "D" : /^[yYnNtTfFoO~]/.test(text) ? "M" : text[0] === "." ? "." : "";
  if (hint === "") return { ok: true, value: text };
  if (text in resolveMap) {
    const value = resolveMap[text];
    if (typeof value === "number") return { ok: false, problem: `${shown} is a YAML float that JSON cannot carry (Pulumi fails on it); quote it or use a number` };
    return { ok: true, value };
  }
  if (hint === ".") return /^\.[0-9]+(?:[eE][+-]?[0-9]+)?$/.test(text) ? { ok: true, value: Number(text) } : { ok: true, value: text };
  if (hint === "M") return { ok: true, value: text };
  if (/^\d{4}-\d{1,2}-\d{1,2}(?:$|[Tt ])/.test(text)) {
    return { ok: false, problem: `${shown} is a YAML timestamp, which Pulumi rewrites as Go time text; quote it if it is a string` };
  }
  const plain = text.replaceAll("_", "");
  const integer = goInteger(plain);
  if (integer !== undefined) {
    if (integer > BigInt(Number.MAX_SAFE_INTEGER) || integer < BigInt(Number.MIN_SAFE_INTEGER)) {
      return { ok: false, problem: `${shown} is an integer too large to be read exactly; quote it if it is a string` };
    }
    return { ok: true, value: Number(integer) };
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(plain) && Number.isFinite(Number(plain))) return { ok: true, value: Number(plain) };
  return { ok: true, value: text };
}

/** Where a node is, as `line L, column C`. */
type Place = (node: Node | undefined) => string;

/** A YAML document parsed with the rules above; `problems` is empty when it can be used. */
export interface GoYamlDocument {
  document: Document.Parsed;
  problems: string[];
  /** The Go value of a node (JSON-like), with problems pushed under `path`. */
  valueOf(node: unknown, path: string): unknown;
  /** A mapping key as Go reads it: a string, or undefined (with a problem) when it is not one. */
  keyOf(node: unknown, path: string): string | undefined;
  /** The node an alias points to (or the node itself). */
  resolve(node: unknown): Node | undefined | null;
}

export function parseGoYaml(text: string): GoYamlDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { schema: "failsafe", uniqueKeys: true, merge: false, prettyErrors: false, lineCounter });
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `line ${line}, column ${col}`;
  };
  const place: Place = (node) => at(node?.range?.[0]);
  const problems = document.errors.map((error) => `${at(error.pos[0])}: ${error.message.split("\n")[0]}`);
  let decoded = 0;
  let decodedThroughAliases = 0;
  let aliasDepth = 0;
  let excessive = false;

  // Anchors by name in document order (collected at the first alias): an alias means the last
  // anchor of its name before it.
  let anchors: Map<string, Array<{ at: number; node: Node }>> | undefined;
  const anchorsByName = () => {
    const found = new Map<string, Array<{ at: number; node: Node }>>();
    visit(document, {
      Node(_, node) {
        if (!isAlias(node) && node.anchor) found.set(node.anchor, [...(found.get(node.anchor) ?? []), { at: node.range?.[0] ?? 0, node }]);
      },
    });
    return found;
  };
  const target = (node: unknown): Node | undefined | null => {
    if (!isAlias(node)) return node as Node | undefined | null;
    anchors ??= anchorsByName();
    const at = node.range?.[0] ?? 0;
    return anchors.get(node.source)?.filter((anchor) => anchor.at < at).at(-1)?.node;
  };
  const tagProblem = (node: Node, path: string) => {
    const tag = (node as { tag?: string }).tag;
    if (tag === undefined || allowedTags.has(tag)) return false;
    problems.push(`${path} (${place(node)}): the explicit YAML tag ${tag.replace(tagPrefix, "!!")} is not supported; write the value without it`);
    return true;
  };

  const keyOf = (raw: unknown, path: string): string | undefined => {
    const node = target(raw);
    if (!isScalar(node)) {
      problems.push(`${path} (${place(raw as Node)}): a mapping key that is not a string; Pulumi config keys are strings`);
      return undefined;
    }
    const text = String(node.value);
    if (node.type === "PLAIN" && node.tag === undefined) {
      if (text === "<<") {
        problems.push(`${path} (${place(node)}): merge keys (<<) are not supported; write the keys out`);
        return undefined;
      }
      const resolved = resolvePlainScalar(text);
      if (!resolved.ok || typeof resolved.value !== "string") {
        problems.push(`${path} (${place(node)}): the key ${JSON.stringify(shorten(text))} is not a string in Pulumi's YAML (it reads ${resolved.ok ? JSON.stringify(resolved.value) : "a non-string"}); quote it`);
        return undefined;
      }
    } else if (tagProblem(node, path)) {
      return undefined;
    }
    return text;
  };

  const aliasWithoutAnchor = (alias: Node, path: string) => {
    problems.push(`${path} (${place(alias)}): an alias without its anchor`);
    return null;
  };

  const valueOf = (raw: unknown, path: string): unknown => {
    if (excessive) return null;
    decoded++;
    if (aliasDepth > 0) decodedThroughAliases++;
    if (decodedThroughAliases > 100 && decoded > 1000 && decodedThroughAliases / decoded > allowedAliasRatio(decoded)) {
      excessive = true;
      problems.push(`${path}: the document contains excessive aliasing, which Pulumi's YAML reader (yaml.v3) refuses too`);
      return null;
    }
    if (raw === null || raw === undefined) return null;
    if (isAlias(raw)) {
      aliasDepth++;
      try {
        return valueOf(target(raw) ?? aliasWithoutAnchor(raw, path), path);
      } finally {
        aliasDepth--;
      }
    }
    const node = raw as Node;
    if (tagProblem(node, path)) return null;
    if (isMap(node)) {
      const out: Record<string, unknown> = Object.create(null);
      for (const item of node.items) {
        const key = keyOf(item.key, path);
        if (key !== undefined) out[key] = valueOf(item.value, `${path}.${shorten(key)}`);
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item, i) => valueOf(item, `${path}[${i}]`));
    if (isScalar(node)) {
      const text = String(node.value);
      if (node.type !== "PLAIN" || node.tag !== undefined) return text;
      const resolved = resolvePlainScalar(text);
      if (!resolved.ok) problems.push(`${path} (${place(node)}): ${resolved.problem}`);
      return resolved.ok ? resolved.value : null;
    }
    return null;
  };

  return { document, problems, valueOf, keyOf, resolve: target };
}
