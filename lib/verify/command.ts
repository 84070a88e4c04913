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
  const words = scriptWords(stack, kubeContext);
  if (kind === "preflight") words.push("--preflight", ...(adoptExisting ? ["--adopt-existing"] : []));
  else if (!config.verification.failOnError) words.push("--exit-zero");
  return words.map(shellWord).join(" ");
}

/**
 * The verification's command line for one look at the cluster (`--timeout 0`: no waiting, ends
 * within 30 s), run when a wait of the provider failed (lib/hooks/awaitDiagnosis.ts).
 */
export function lookOnceCommandLine(stack: string, kubeContext?: string): string {
  return [...scriptWords(stack, kubeContext), "--timeout", "0"].map(shellWord).join(" ");
}

function scriptWords(stack: string, kubeContext: string | undefined): string[] {
  return ["npx", "--no", "tsx", "scripts/verify.ts", "--stack", stack, "--json", ...(kubeContext ? ["--context", kubeContext] : [])];
}
