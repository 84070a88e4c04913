/**
 * A stack file's bytes read the way the Pulumi CLI reads them: UTF-8 text, YAML as gopkg.in/yaml.v3
 * decodes it (goYaml.ts), keys as config.ParseKey takes them (configKeys.ts), values turned into the
 * strings the program receives. Anything it cannot read the same way is refused, every problem on
 * a line of its own.
 */
import { isMap, isScalar } from "yaml";
import { configNamespace } from "./errors";
import { parseGoYaml, type GoYamlDocument } from "./goYaml";
import { stackKeyProblem } from "./configKeys";
import { withoutSecureValues, type SecureValues, type StackFileConfig } from "./sources";

/** Larger stack files are refused before they are read (a 10,000-network stack is about 2 MiB). */
export const stackFileMaxBytes = 32 * 1024 * 1024;

/** A stack file that cannot be read as Pulumi reads it; `problems` are the lines of the message. */
export class StackFileError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(problems.map((problem) => `${source}: ${problem}`).join("\n"));
    this.name = "StackFileError";
  }
}

/** Offset of the first byte that is not part of well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const [length, low, high] = b < 0x80 ? [1, 0, 0] : b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf]
      : b === 0xe0 ? [3, 0xa0, 0xbf] : b === 0xed ? [3, 0x80, 0x9f] : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf]
        : b === 0xf0 ? [4, 0x90, 0xbf] : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] : b === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
    if (length === 0 || i + length > bytes.length || bytes[i + 1] < low && length > 1 || bytes[i + 1] > high && length > 1) return i;
    for (let k = 2; k < length; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += length;
  }
  return -1;
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

/**
 * The text of a stack file, or the problem that stops it being read: not UTF-8 (UTF-16 and other
 * encodings are refused; yaml.v3 would take UTF-16 with a BOM, multinet does not), or characters
 * YAML forbids (yaml.v3's reader refuses control characters other than tab, LF and CR, and DEL).
 * A UTF-8 byte-order mark is dropped, as Pulumi does (workspace/loaders.go, readFileStripUTF8BOM).
 */
function stackFileText(input: string | Uint8Array): { text: string } | { problem: string } {
  if (typeof input !== "string") {
    if (input.length > stackFileMaxBytes) return { problem: `is ${input.length} bytes; stack files are limited to ${stackFileMaxBytes} bytes` };
    if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff)) {
      return { problem: "is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8" };
    }
    const bad = firstInvalidUtf8(input);
    if (bad >= 0) {
      const line = Buffer.from(input.subarray(0, bad)).toString("utf8").split("\n").length;
      return { problem: `is not UTF-8: byte 0x${input[bad].toString(16).padStart(2, "0")} at offset ${bad} (line ${line}) is not valid UTF-8; save the file as UTF-8` };
    }
    input = Buffer.from(input).toString("utf8");
  }
  const text = input.replace(/^\uFEFF/, "");
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const control = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]/.exec(text);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    const hint = control[0] === "\0" ? " (a NUL byte: is the file UTF-16 without a byte-order mark?)" : "";
    return { problem: `line ${lineOf(text, control.index)}: the character U+${code} is not allowed in YAML${hint}` };
  }
  return { text };
}

/**
 * A stack file's config as the Pulumi CLI hands it to the program: keys `namespace:name`, a
 * top-level scalar as its text, a map or list as JSON text. `secure` says whether encrypted values
 * refuse the file or are dropped. Throws StackFileError with every problem found.
 */
export function pulumiConfigFromStackText(input: string | Uint8Array, source: string, secure: SecureValues, project = configNamespace): StackFileConfig {
  const decoded = stackFileText(input);
  if ("problem" in decoded) throw new StackFileError(source, [decoded.problem]);
  const yaml = parseGoYaml(decoded.text);
  const problems = yaml.problems;
  const raw: Record<string, unknown> = Object.create(null);
  const root = yaml.resolve(yaml.document.contents);
  if (!problems.length && root !== undefined && root !== null && !isMap(root) && !(isScalar(root) && root.value === null)) {
    problems.push("is not a YAML mapping (a stack file holds config: and other keys)");
  }
  const configNode = isMap(root) ? yaml.resolve(root.items.find((item) => yaml.keyOf(item.key, "the document") === "config")?.value) : undefined;
  if (configNode !== undefined && configNode !== null && !(isScalar(configNode) && configNode.value === null)) {
    if (!isMap(configNode)) problems.push("config: is not a mapping of <namespace>:<name> keys");
    else {
      for (const item of configNode.items) {
        const key = yaml.keyOf(item.key, "config");
        if (key === undefined) continue;
        const keyProblem = stackKeyProblem(key);
        if (keyProblem) {
          problems.push(`config key ${JSON.stringify(key)} ${keyProblem}`);
          continue;
        }
        // Pulumi namespaces a bare key with the project (workspace/loaders.go, stackConfigNamespacedWithProject).
        const namespaced = key.includes(":") ? key.replace(/^([^:]*):config:/, "$1:") : `${project}:${key}`;
        if (namespaced in raw) problems.push(`config key ${JSON.stringify(key)} is ${namespaced}, which the file already sets; keep one`);
        else raw[namespaced] = topLevelValue(yaml, item.value, namespaced);
      }
    }
  }
  if (problems.length) throw new StackFileError(source, problems);

  const { values, dropped } = withoutSecureValues(raw);
  if (dropped.length && secure === "refuse") {
    throw new StackFileError(source, [`${dropped.join(", ")} ${dropped.length === 1 ? "is" : "are"} encrypted; only the Pulumi CLI can decrypt it (render and the tests cannot); use a copy with a stand-in value`]);
  }
  const config: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(values)) config[key] = typeof value === "string" ? value : JSON.stringify(value);
  return { config, dropped };
}

/**
 * A config value as the program receives it. Pulumi decodes the whole file into Go values and
 * encodes it again before reading config (LoadProjectStackBytes), so a top-level scalar arrives as
 * the text of its Go value (`0755` as "493", null as ""), a map or list as JSON.
 */
function topLevelValue(yaml: GoYamlDocument, node: unknown, key: string): unknown {
  const value = yaml.valueOf(node, key);
  if (value === null) return "";
  return typeof value === "object" || typeof value === "string" ? value : String(value);
}
