/**
 * The hostile stack corpus (test/fixtures/hostile): each file says on its first line what must
 * become of it, and is read the way render, the program and the verifier read a stack file
 * (readStackFile, then validateStackConfig):
 * - `# expect: accepted`;
 * - `# expect: rejected <key>, <key>…`: the errors name exactly these keys (each error is one line
 *   starting with its key);
 * - `# expect: unreadable <text>`: the file is refused before validation, with <text> in the message.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { StackFileError, validateStackConfig } from "../lib/config";
import { readStackFile, repoRoot } from "../lib/files/stackFiles";

const corpus = path.join(repoRoot, "test", "fixtures", "hostile");
const files = readdirSync(corpus).filter((f) => f.endsWith(".yaml")).sort();

type Expectation = { verdict: "accepted" } | { verdict: "rejected"; keys: string[] } | { verdict: "unreadable"; text: string };

/** The expectation on the first line; read byte-wise so that UTF-16 and broken files have one too. */
function expectationOf(file: string): Expectation {
  const head = readFileSync(file).toString("latin1").replace(/\0/g, "").replace(/^\xef\xbb\xbf|^\xff\xfe/, "");
  const match = /^# expect: (accepted|rejected|unreadable)(?: (.*))?\r?$/m.exec(head.split("\n")[0]);
  if (!match) throw new Error(`${file}: no "# expect:" line`);
  if (match[1] === "accepted") return { verdict: "accepted" };
  if (match[1] === "unreadable") return { verdict: "unreadable", text: match[2] };
  // The expectation line is read as Latin-1; keys with other characters are UTF-8 there.
  return { verdict: "rejected", keys: Buffer.from(match[2], "latin1").toString("utf8").split(", ") };
}

/** The key an error line names: everything before its first ": ". */
const keyOf = (error: string) => error.slice(0, error.indexOf(": "));

describe("the hostile stack corpus", () => {
  it("is large and covers every verdict", () => {
    expect(files.length).toBeGreaterThanOrEqual(120);
    const verdicts = files.map((f) => expectationOf(path.join(corpus, f)).verdict);
    for (const verdict of ["accepted", "rejected", "unreadable"]) expect(verdicts.filter((v) => v === verdict).length).toBeGreaterThan(20);
  });

  it.each(files)("%s", (name) => {
    const file = path.join(corpus, name);
    const expectation = expectationOf(file);
    let config: Record<string, string>;
    try {
      config = readStackFile(file, "refuse").config;
    } catch (error) {
      expect(error).toBeInstanceOf(StackFileError);
      const message = (error as Error).message;
      expect(expectation, message).toMatchObject({ verdict: "unreadable" });
      expect(message).toContain((expectation as { text: string }).text);
      for (const line of message.split("\n")) expect(line.startsWith(`${file}: `), line).toBe(true);
      return;
    }
    const result = validateStackConfig(config);
    if (expectation.verdict === "accepted") {
      expect(result.ok ? [] : result.errors).toEqual([]);
      return;
    }
    expect(expectation.verdict, "the file was read").toBe("rejected");
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    for (const error of errors) expect(error).not.toMatch(/\n/);
    expect([...new Set(errors.map(keyOf))].sort(), errors.join("\n")).toEqual([...new Set((expectation as { keys: string[] }).keys)].sort());
  });
});
