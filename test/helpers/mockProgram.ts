/**
 * Runs index.ts under Pulumi's mock runtime (lib/render/mockRuntime.ts) and records every resource the
 * program registers: type, name, inputs, parent, dependencies.
 */
import { vi } from "vitest";
import { runProgram as runUnderMocks, type ProgramRun, type RunOptions } from "../../lib/render/mockRuntime";

export type { ProgramRun, RegisteredResource } from "../../lib/render/mockRuntime";

/** A fresh module cache per run, so index.ts executes again with this run's config. */
export function runProgram(config: Record<string, string>, options: RunOptions = {}): Promise<ProgramRun> {
  return runUnderMocks(() => {
    vi.resetModules();
    return import("../../index");
  }, config, options);
}
