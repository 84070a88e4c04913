/**
 * The command lines the Preflight and Verification components hand to `@pulumi/command`: the same
 * script as `npm run verify`, reporting as JSON on stdout. The config itself travels in the
 * command's environment (MULTINET_CONFIG), not through the stack file.
 */
import type { StackConfig } from "../config";
import type { ReportKind } from "./findings";

/** Stack names are `[\w.-]+`; anything else is quoted for /bin/sh. */
function shellWord(word: string): string {
  return /^[\w./:=@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `npx --no tsx scripts/verify.ts --stack <stack> --json [--context <ctx>] [--preflight [--adopt-existing]] [--exit-zero]`,
 * run from the project directory (where Pulumi runs its commands). `--no`: never download tsx during
 * a deploy. `--context`: the stack's `kubernetes:context`, which the script no longer reads from a file.
 * `--adopt-existing`: the stack lets the provider apply over existing objects (upsertExistingObjects).
 */
export function verifyCommandLine(kind: ReportKind, stack: string, config: StackConfig, kubeContext?: string, adoptExisting = false): string {
  const words = ["npx", "--no", "tsx", "scripts/verify.ts", "--stack", stack, "--json"];
  if (kubeContext) words.push("--context", kubeContext);
  if (kind === "preflight") words.push("--preflight", ...(adoptExisting ? ["--adopt-existing"] : []));
  else if (!config.verification.failOnError) words.push("--exit-zero");
  return words.map(shellWord).join(" ");
}
