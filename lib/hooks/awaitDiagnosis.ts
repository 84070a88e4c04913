/**
 * The error hook's work, in the program's process during `pulumi up`: when the provider's wait for a
 * resource ends with it not ready, look at the cluster once with the verifier (the Verification
 * command's script, `--timeout 0`) and log what it finds next to the provider's error.
 *
 * The engine calls error hooks for every failed create, update and delete
 * (pulumi/pulumi 1b5949891b pkg/resource/deploy/step.go:397-410 and 1044-1057, through
 * retries.go:38-64); the provider's failed wait is a partial failure (lib/verify/awaitFailure.ts).
 * The hook answers false — never retry: a retried create meets AlreadyExists since pulumi-kubernetes
 * 4.29 (provider/pkg/await/await.go:190-253) and would drop the live object from the state.
 */
import { spawn } from "node:child_process";
import { configEnvVar, publicConfig, type StackConfig } from "../config";
import { awaitFailureText, isAwaitFailure, noLookReason, type FailedOperation } from "../verify/awaitFailure";
import { lookOnceCommandLine } from "../verify/command";
import { errorReport, parseReport, type Report } from "../verify/findings";

export interface DiagnosisTarget {
  stack: string;
  /** The validated config the program deploys: the verifier gets it as the Verification command does. */
  config: StackConfig;
  /** `kubernetes:context` of the stack, if set. */
  kubeContext?: string;
  /** A config value is secret: the verifier's lines may quote it, so it is not run (only the command to run is logged). */
  secretConfig?: boolean;
}

/** Runs a shell command line with extra environment (undefined removes a variable); resolves with its stdout. */
export type CommandRunner = (commandLine: string, env: NodeJS.ProcessEnv, timeoutMs?: number) => Promise<string>;

/**
 * The verifier's one look ends within 30 s of starting; tsx needs seconds to start on a busy machine.
 * This bounds the whole process, whatever happens to it.
 */
const lookDeadlineMs = 90_000;
/** A report is a few KiB; nothing a look prints comes near this. */
const maxReportBytes = 1024 * 1024;

/**
 * `/bin/sh -c <line>` from the working directory (the project directory, where Pulumi runs the
 * program) in its own process group, ended with everything it started at the deadline.
 */
export const runBounded: CommandRunner = (commandLine, env, timeoutMs = lookDeadlineMs) => new Promise((resolve, reject) => {
  const merged = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  const child = spawn("/bin/sh", ["-c", commandLine], { env: merged, detached: true, stdio: ["ignore", "pipe", "ignore"] });
  const chunks: Buffer[] = [];
  let size = 0;
  const endGroup = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // ESRCH: the group is gone already.
    }
  };
  const timer = setTimeout(() => {
    endGroup();
    reject(new Error(`the verifier was still running after ${timeoutMs / 1000}s: ended`));
  }, timeoutMs);
  child.stdout!.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxReportBytes) chunks.push(chunk);
    else endGroup();
  });
  child.on("error", (error) => {
    clearTimeout(timer);
    reject(error);
  });
  child.on("close", () => {
    clearTimeout(timer);
    if (size > maxReportBytes) reject(new Error(`the verifier printed more than ${maxReportBytes} bytes: ended`));
    else resolve(Buffer.concat(chunks).toString("utf8"));
  });
});

/**
 * The hook's callback: for a failed wait, logs what happened, what the cluster looks like and what
 * to run; anything else passes by. Failures that land together (the daemons share time-outs)
 * share one look.
 */
export function awaitDiagnosis(target: DiagnosisTarget, log: (text: string) => void, run: CommandRunner = runBounded) {
  let look: Promise<Report> | undefined;
  const lookOnce = (): Promise<Report> => {
    look ??= run(lookOnceCommandLine(target.stack, target.kubeContext), { [configEnvVar]: JSON.stringify(publicConfig(target.config)) })
      .then((stdout) => parseReport("verify", target.stack, stdout), (error: Error) => errorReport("verify", target.stack, error.message))
      .finally(() => { look = undefined; });
    return look;
  };
  return async (failure: FailedOperation): Promise<boolean> => {
    if (!isAwaitFailure(failure)) return false;
    const report = noLookReason(target.config, target.secretConfig ?? false) ?? await lookOnce();
    log(awaitFailureText(failure, target.stack, target.config, report));
    return false;
  };
}
