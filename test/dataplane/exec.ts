/** Running commands for the data-plane suite: always to completion or to a timeout, never unbounded. */
import { spawnSync } from "node:child_process";

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command and returns what it did, failing or not. */
export function spawn(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const result = spawnSync(command, args, {
    input: options.input,
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 30_000,
    encoding: "utf8",
  });
  // EPIPE only means the command exited without reading all of its input (a plugin answering
  // VERSION may not read its config); its exit status and output still say what happened.
  const error = result.error as NodeJS.ErrnoException | undefined;
  if (error && error.code !== "EPIPE") throw new Error(`${command} ${args.join(" ")}: ${error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command and returns its stdout; throws with its stderr when it fails. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): string {
  const result = spawn(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${String(result.status)}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/** Runs a command inside a network namespace (which also gets its own /sys). */
export function runIn(netns: string, command: string, args: readonly string[], options: RunOptions = {}): string {
  return run("ip", ["netns", "exec", netns, command, ...args], options);
}
