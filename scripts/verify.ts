/**
 * `npm run verify -- --stack <name> [--preflight] [--json] [--context <name>] [--ping] [--timeout <s>] [--exit-zero]`
 *
 * Checks a stack against the cluster of the current kube context (or `--context`, or the stack's
 * `kubernetes:context`): after a deploy, that the multi-network setup works (default); with
 * `--preflight`, that the cluster is fit for it before anything changes. Prints one line per check
 * and a summary; with `--json` the report goes to stdout as JSON and the lines to stderr.
 *
 * The config: `MULTINET_CONFIG` (the validated config as JSON, which the Pulumi commands pass: the
 * config Pulumi deploys, ESC environments and `-c` overrides included) when set, else the stack file.
 *
 * Exit codes: 0 every check passed (or `--exit-zero`, even when the checks could not run), 1 a check
 * failed, 2 the checks could not run (bad arguments or config, no kube context, API server
 * unreachable, credentials rejected) — always with a one-line reason, never a stack trace.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { StackConfig } from "../lib/config";
import { configEnvVar, formatConfigErrors, multinetValues, validateConfig } from "../lib/config";
import { connect, deletePeer, isRetryable, KubeError, ping, pollUntil, preflightSnapshot, startPeer, verifySnapshot, type Kube } from "../lib/kube/client";
import { readStackFile, stackFilePath, stackNameOf, stackNames } from "../lib/files/stackFiles";
import { buildReport, errorReport, fail, formatReport, type Finding, type Report, type ReportKind } from "../lib/verify/findings";
import { peerPod, peerPodName } from "../lib/verify/peer";
import { preflightFindings } from "../lib/verify/preflight";
import {
  peerAttachmentAddress, peerNodes, pingPlan, samplePodAddresses, verifyFindings, type PingAttempt, type PingObservation, type VerifySnapshot,
} from "../lib/verify/verify";

const usage = "usage: npm run verify -- (--stack <name> | --config <Pulumi.<name>.yaml>) [--preflight] [--json] [--context <name>] [--ping] [--timeout <seconds>] [--exit-zero]";

/** A failure the user can fix: printed as one line, exit code 2. */
class UsageError extends Error {}

interface Options {
  /** The stack file; unset when the config comes from MULTINET_CONFIG. */
  file?: string;
  stack: string;
  kind: ReportKind;
  json: boolean;
  context?: string;
  ping: boolean;
  timeoutSeconds?: number;
  exitZero: boolean;
}

function options(argv: string[]): Options {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        config: { type: "string" },
        preflight: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        context: { type: "string" },
        ping: { type: "boolean", default: false },
        timeout: { type: "string" },
        "exit-zero": { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
  if (Boolean(values.stack) === Boolean(values.config)) throw new UsageError(`give exactly one of --stack or --config\n${usage}`);
  // With the config in the environment (the Pulumi commands), the stack may have no file in stacks/.
  const fromEnvironment = process.env[configEnvVar] !== undefined;
  const file = values.config ?? stackFilePath(values.stack!);
  if (!fromEnvironment && !existsSync(file)) {
    throw new UsageError(values.stack ? `no stack "${values.stack}" (stacks: ${stackNames().join(", ")})` : `${file}: no such file`);
  }
  const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && timeoutSeconds >= 0)) {
    throw new UsageError(`--timeout: "${values.timeout}" is not a whole number of seconds`);
  }
  return {
    ...(fromEnvironment ? {} : { file }),
    stack: values.stack ?? stackNameOf(file),
    kind: values.preflight ? "preflight" : "verify",
    json: values.json!,
    ...(values.context ? { context: values.context } : {}),
    ping: values.ping!,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    exitZero: values["exit-zero"]!,
  };
}

/** MULTINET_CONFIG, validated again: it is the program's validated config, but it crossed a process boundary. */
function configFromEnvironment(text: string): StackConfig {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${configEnvVar} is not JSON: ${(error as Error).message}`);
  }
  if (!values || typeof values !== "object" || Array.isArray(values)) throw new UsageError(`${configEnvVar} is not a JSON object`);
  const result = validateConfig(values as Record<string, unknown>);
  if (!result.ok) throw new UsageError(`${configEnvVar}: ${formatConfigErrors(result.errors)}`);
  return result.config;
}

/**
 * The stack file, validated exactly as `pulumi preview` validates it. Encrypted values, which only
 * the Pulumi CLI can decrypt, are dropped with a note: no check needs a secret.
 */
function loadStack(file: string): { config: StackConfig; kubeContext?: string } {
  let stack;
  try {
    stack = readStackFile(file, "drop");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { config: raw, dropped } = stack;
  if (dropped.length) process.stderr.write(`note: ${file}: skipped ${dropped.join(", ")} (encrypted; no check needs it)\n`);
  const result = validateConfig(multinetValues(raw));
  if (!result.ok) throw new UsageError(formatConfigErrors(result.errors));
  return { config: result.config, ...(raw["kubernetes:context"] ? { kubeContext: raw["kubernetes:context"] } : {}) };
}

async function runPing(kube: Kube, config: StackConfig, snapshot: VerifySnapshot, deadline: number): Promise<PingObservation> {
  const plan = pingPlan(config);
  if (!plan.attachments.length) return { skipped: "no flannel attachment: only those prove a packet crossed nodes (see the ping/<ifname> lines)" };
  const samplePodNode = snapshot.samplePod?.pod?.spec?.nodeName;
  if (!samplePodNode) return { error: "the sample pod has no node" };
  const candidates = peerNodes(snapshot, samplePodNode);
  if ("skipped" in candidates) return { skipped: candidates.skipped };
  const addresses = samplePodAddresses(config, snapshot.samplePod);
  // The peer gets at least 90 seconds to start, even when the checks above used up most of the timeout.
  const peerDeadline = Math.max(deadline, Date.now() + 90_000);
  const lifetime = Math.ceil((peerDeadline - Date.now()) / 1000) + 120;
  const pod = peerPod(config, plan.attachments, candidates.nodes, lifetime);
  const where = { namespace: config.samplePod.namespace, name: peerPodName(config.samplePod.name), container: "peer" };
  const started = await startPeer(kube, pod, peerDeadline);
  const results: PingAttempt[] = [];
  let cleanup: string | undefined;
  try {
    if ("pod" in started) {
      for (const attachment of plan.attachments) {
        const target = addresses.get(attachment.ifname)!;
        // A peer holding the target (or an address outside the network) would prove nothing: no ping then.
        const peerAddress = peerAttachmentAddress(attachment, started.pod, target);
        if ("problem" in peerAddress) results.push({ ifname: attachment.ifname, target, problem: peerAddress.problem });
        else results.push({ ifname: attachment.ifname, target, peerAddress: peerAddress.ip, result: await ping(kube, where, attachment.ifname, target) });
      }
    }
  } finally {
    // Only the pod this run created is deleted; a failure to delete is a note, not a failed run.
    if (started.uid !== undefined) cleanup = await deletePeer(kube, where.namespace, where.name, started.uid || undefined);
  }
  const note = cleanup ? { cleanup: `${cleanup} (it stops itself after ${lifetime}s)` } : {};
  if ("error" in started) return { error: started.error, ...note };
  return { peer: `${where.namespace}/${where.name}`, peerNode: started.pod.spec?.nodeName ?? "?", samplePodNode, results, ...note };
}

async function verify(kube: Kube, config: StackConfig, opts: Options): Promise<{ findings: Finding[]; note?: string }> {
  const timeoutSeconds = opts.timeoutSeconds ?? config.verification.timeoutSeconds;
  const deadline = Date.now() + timeoutSeconds * 1000;
  // Rollouts and the pod may still be settling right after a deploy: poll until green or the deadline.
  // A request that fails on the way (timeout, 429, 5xx) is one failed attempt; rejected credentials end the run.
  const polled = await pollUntil<{ snapshot?: VerifySnapshot; findings: Finding[] }>(async () => {
    try {
      const snapshot = await verifySnapshot(kube, config);
      const findings = verifyFindings(config, snapshot);
      return { done: findings.every((f) => f.ok), value: { snapshot, findings } };
    } catch (error) {
      if (!isRetryable(error)) throw error;
      return { done: false, value: { snapshot: undefined, findings: [fail("cluster/read", (error as Error).message)] } };
    }
  }, deadline, 5000);
  const { snapshot, findings } = polled.value;
  const note = polled.timedOut && timeoutSeconds > 0
    ? `still failing after waiting ${timeoutSeconds}s (multinet:verification.timeoutSeconds, or --timeout)`
    : undefined;
  if (!snapshot) return { findings, ...(note ? { note } : {}) };
  const pingConfig = opts.ping ? { ...config, verification: { ...config.verification, ping: { ...config.verification.ping, enabled: true } } } : config;
  if (pingConfig.verification.ping.enabled && !polled.timedOut && pingConfig.samplePod.enabled) {
    snapshot.ping = await runPing(kube, pingConfig, snapshot, deadline);
  }
  return { findings: verifyFindings(pingConfig, snapshot), ...(note ? { note } : {}) };
}

function emit(report: Report, json: boolean): Promise<void> {
  const human = formatReport(report);
  const write = (stream: NodeJS.WriteStream, text: string) => new Promise<void>((resolve) => stream.write(text, () => resolve()));
  if (!json) return write(report.error ? process.stderr : process.stdout, report.error ? `error: ${human}` : human);
  return write(process.stderr, report.error ? `error: ${human}` : human).then(() => write(process.stdout, `${JSON.stringify(report)}\n`));
}

async function main(argv: string[]): Promise<number> {
  let opts: Options | undefined;
  let context: string | undefined;
  try {
    opts = options(argv);
    const { config, kubeContext } = opts.file !== undefined ? loadStack(opts.file) : { config: configFromEnvironment(process.env[configEnvVar]!), kubeContext: undefined };
    const kube = await connect({ context: opts.context ?? kubeContext });
    context = kube.context;
    let report: Report;
    if (opts.kind === "preflight") {
      report = buildReport("preflight", opts.stack, preflightFindings(config, await preflightSnapshot(kube, config)), context);
    } else {
      const { findings, note } = await verify(kube, config, opts);
      report = { ...buildReport("verify", opts.stack, findings, context), ...(note ? { note } : {}) };
    }
    await emit(report, opts.json);
    return report.ok || opts.exitZero ? 0 : 1;
  } catch (error) {
    const known = error instanceof UsageError || error instanceof KubeError;
    const message = known || !process.env.MULTINET_DEBUG ? (error as Error).message ?? String(error) : (error as Error).stack ?? String(error);
    const hint = known || process.env.MULTINET_DEBUG ? "" : " (unexpected; MULTINET_DEBUG=1 prints the stack)";
    await emit(errorReport(opts?.kind ?? "verify", opts?.stack ?? "?", `${message}${hint}`, context), opts?.json ?? argv.includes("--json"));
    // failOnError: false (--exit-zero) only records it: the report carries the error.
    return opts?.exitZero ? 0 : 2;
  }
}

// Exit explicitly: keep-alive sockets of the API client must not hold the process open.
main(process.argv.slice(2)).then((code) => process.exit(code), () => process.exit(2));
