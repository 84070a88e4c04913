/**
 * The hostile stack corpus (test/fixtures/hostile/Pulumi.<case>.yaml): each file says on its first line what must
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
import * as pulumi from "@pulumi/pulumi";
import { StackFileError, validateStackConfig } from "../lib/config";
import { readStackFile, repoRoot } from "../lib/files/stackFiles";
import { runProgram } from "./helpers/mockProgram";
import { verifyInProcess } from "./helpers/verifyCommand";

const corpus = path.join(repoRoot, "test", "fixtures", "hostile");
const files = readdirSync(corpus).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).sort();

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

/** A few files of each verdict, through the consumers themselves (each run costs a program load). */
const sample = (verdict: Expectation["verdict"], count: number) =>
  files.filter((f) => expectationOf(path.join(corpus, f)).verdict === verdict).filter((_, i, all) => i % Math.ceil(all.length / count) === 0);

describe("hostile stack files through their consumers", () => {
  it.each(sample("accepted", 3))("the program registers %s", async (name) => {
    const run = await runProgram(readStackFile(path.join(corpus, name), "refuse").config, { stack: "hostile" });
    expect(run.error).toBeUndefined();
    expect(run.resources.length).toBeGreaterThan(0);
  });

  it.each(sample("rejected", 3))("the program stops %s before registering anything, with every error", async (name) => {
    const config = readStackFile(path.join(corpus, name), "refuse").config;
    const run = await runProgram(config, { stack: "hostile" });
    expect(pulumi.RunError.isInstance(run.error)).toBe(true);
    expect(run.resources).toEqual([]);
    const errors = validateStackConfig(config);
    for (const error of errors.ok ? ["(accepted)"] : errors.errors) expect((run.error as Error).message).toContain(error);
  });

  it.each([...sample("rejected", 2), ...sample("unreadable", 2)])("the verifier refuses %s in one line per problem, exit 2", async (name) => {
    const outcome = await verifyInProcess(["--config", path.join(corpus, name)], {});
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).not.toMatch(/^\s+at /m);
    expect(outcome.stderr).toMatch(/multinet:|config key|is not|line \d/);
  });

  it("the verifier refuses a file not named Pulumi.<stack>.yaml as the user's mistake, not an unexpected error", async () => {
    const outcome = await verifyInProcess(["--config", path.join(corpus, "..", "verify", "README.md")], {});
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/not a stack file \(expected Pulumi\.<stack>\.yaml\)\n$/);
    expect(outcome.stderr).not.toMatch(/unexpected/);
  });
});
