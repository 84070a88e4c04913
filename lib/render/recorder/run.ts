/**
 * `runProgram` of lib/render/mockRuntime.ts for the recorder: the same contract (config in, every
 * registration out), with ./pulumi.ts standing in for the SDK. dist/render.js is bundled with this
 * in place of the mock runtime (./redirects.json).
 */
import { programRun, type ProgramRun, type RunOptions } from "../programRun";
import { recording } from "./pulumi";

export type { ProgramRun, RegisteredResource, RunOptions } from "../programRun";

export async function runProgram(
  load: () => Promise<unknown>, config: Record<string, string>, options: RunOptions = {},
): Promise<ProgramRun> {
  Object.assign(recording, { stack: options.stack ?? "test", config, secretKeys: options.secretKeys ?? [], registrations: [], urns: new Set() });
  let error: unknown;
  try {
    await load();
  } catch (e) {
    error = e;
  }
  return programRun(recording.registrations, error);
}
