/**
 * `npm run verify -- --stack <name> [--preflight] [--json] [--context <name>] [--ping] [--timeout <s>] [--exit-zero] [--adopt-existing]`
 *
 * Checks a stack against the cluster of the current kube context (or `--context`, or the stack's
 * `kubernetes:context`): after a deploy, that the multi-network setup works (default); with
 * `--preflight`, that the cluster is fit for it before anything changes. Prints one line per check
 * and a summary; with `--json` the report goes to stdout as JSON and the lines to stderr.
 *
 * The config: `MULTINET_CONFIG` (the validated config as JSON, which the Pulumi commands pass: the
 * config Pulumi deploys, ESC environments and `-c` overrides included) when set, else the stack file.
 *
 * `--timeout` (else `multinet:verification.timeoutSeconds`) is the run's wall-clock deadline
 * (lib/kube/deadline.ts), in-flight requests included.
 *
 * Exit codes, the same for verify and preflight: 0 every check passed (or `--exit-zero`, even when
 * the checks could not run), 1 a check failed (a read that kept failing until the deadline
 * included), 2 the checks could not run (bad arguments or config, no kube context, API server
 * unreachable, credentials or credential plugin rejected, a server that is not the Kubernetes API)
 * — always with a one-line reason, never a stack trace. docs/verification.md has the table.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { StackConfig } from "../lib/config";
import { configEnvVar, formatConfigErrors, validateConfig, validateStackConfig } from "../lib/config";
import { judgeUntil } from "../lib/kube/attempts";
import { connect, KubeError, type Kube, type KubeOptions } from "../lib/kube/connection";
import { endCredentialPlugins } from "../lib/kube/credentials";
import { RunDeadline } from "../lib/kube/deadline";
import { deletePeer, ping, startPeer } from "../lib/kube/peer";
import { preflightSnapshot, verifySnapshot } from "../lib/kube/reads";
import { readStackFile, stackFilePath, stackNameOf, stackNames } from "../lib/files/stackFiles";
import { buildReport, errorReport, formatReport, type Finding, type Report, type ReportKind } from "../lib/verify/findings";
import { judgePingObservation, peerAttachmentAddress, peerNodes, peerPod, peerPodName, pingPlan } from "../lib/verify/ping";
import { preflightFindings } from "../lib/verify/preflight";
import type { PingAttempt, PingObservation, VerifySnapshot } from "../lib/verify/snapshot";
import { judgeSnapshot } from "../lib/verify/verify";

const usage = "usage: npm run verify -- (--stack <name> | --config <Pulumi.<name>.yaml>) [--preflight] [--json] [--context <name>] [--ping] [--timeout <seconds>] [--exit-zero] [--adopt-existing]";

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
  /** The stack sets kubernetes:upsertExistingObjects: existing objects are adopted, not a failure. */
  adoptExisting: boolean;
}

function options(argv: string[], env: NodeJS.ProcessEnv): Options {
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
        "adopt-existing": { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
  if (Boolean(values.stack) === Boolean(values.config)) throw new UsageError(`give exactly one of --stack or --config\n${usage}`);
  // With the config in the environment (the Pulumi commands), the stack may have no file in stacks/.
  const fromEnvironment = env[configEnvVar] !== undefined;
  const file = values.config ?? stackFilePath(values.stack!);
  if (!fromEnvironment && !existsSync(file)) {
    throw new UsageError(values.stack ? `no stack "${values.stack}" (stacks: ${stackNames().join(", ")})` : `${file}: no such file`);
  }
  let stack = values.stack;
  try {
    stack ??= stackNameOf(file);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && timeoutSeconds >= 0)) {
    throw new UsageError(`--timeout: "${values.timeout}" is not a whole number of seconds`);
  }
  return {
    ...(fromEnvironment ? {} : { file }),
    stack,
    kind: values.preflight ? "preflight" : "verify",
    json: values.json!,
    ...(values.context ? { context: values.context } : {}),
    ping: values.ping!,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    exitZero: values["exit-zero"]!,
    adoptExisting: values["adopt-existing"]!,
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
function loadStack(file: string): { config: StackConfig; kubeContext?: string; note?: string } {
  let stack;
  try {
    stack = readStackFile(file, "drop");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { config: raw, dropped } = stack;
  const result = validateStackConfig(raw);
  if (!result.ok) throw new UsageError(formatConfigErrors(result.errors));
  return {
    config: result.config,
    ...(raw["kubernetes:context"] ? { kubeContext: raw["kubernetes:context"] } : {}),
    ...(dropped.length ? { note: `note: ${file}: skipped ${dropped.join(", ")} (encrypted; no check needs it)\n` } : {}),
  };
}

/** How long deleting the peer pod may take once the deadline has passed. */
const cleanupGraceMs = 15_000;

/** `MULTINET_MAX_RESPONSE_BYTES`: a larger cap for one API answer, for clusters whose node list passes 64 MiB. */
function maxResponseBytes(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.MULTINET_MAX_RESPONSE_BYTES;
  if (text === undefined) return undefined;
  const bytes = Number(text);
  if (!Number.isSafeInteger(bytes) || bytes < 1024) throw new UsageError(`MULTINET_MAX_RESPONSE_BYTES: "${text}" is not a whole number of bytes, at least 1024`);
  return bytes;
}

/** With `--timeout 0` (look once, do not wait), the one look still ends within this. */
const lookOnceSeconds = 30;

/**
 * The preflight judges what it reads the first time (it does not wait for the cluster to change);
 * a read that fails is retried until the deadline, as the verification's.
 */
async function preflight(kube: Kube, config: StackConfig, opts: Options, timeoutSeconds: number): Promise<{ findings: Finding[]; note?: string }> {
  const { findings, note } = await judgeUntil(kube, timeoutSeconds, async () => ({
    findings: preflightFindings(config, await preflightSnapshot(kube, config), { stack: opts.stack, adoptExisting: opts.adoptExisting }),
  }), () => true);
  return { findings, ...(note ? { note } : {}) };
}

/** `addresses`: the sample pod's attachment addresses, from the judgement that passed it. */
async function runPing(kube: Kube, config: StackConfig, snapshot: VerifySnapshot, addresses: Map<string, string>, deadline: number): Promise<PingObservation> {
  const plan = pingPlan(config);
  if (!plan.attachments.length) return { skipped: "no flannel attachment: only those prove a packet crossed nodes (see the ping/<ifname> lines)" };
  const samplePodNode = snapshot.samplePod?.pod?.spec?.nodeName;
  if (!samplePodNode) return { error: "the sample pod has no node" };
  const candidates = peerNodes(snapshot, samplePodNode);
  if ("skipped" in candidates) return { skipped: candidates.skipped };
  // The peer gets at least 90 seconds to start, even when the checks above used up most of the timeout.
  const peerDeadline = Math.max(deadline, Date.now() + 90_000);
  kube.deadline.extendTo(peerDeadline);
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
    // Past the deadline, the delete gets a few seconds of its own.
    if (kube.deadline.signal.aborted) kube.deadline.grace(cleanupGraceMs);
    if (started.uid !== undefined) cleanup = await deletePeer(kube, where.namespace, where.name, started.uid || undefined);
  }
  const note = cleanup ? { cleanup: `${cleanup} (it stops itself after ${lifetime}s)` } : {};
  if ("error" in started) return { error: started.error, ...note };
  return { peer: `${where.namespace}/${where.name}`, peerNode: started.pod.spec?.nodeName ?? "?", samplePodNode, results, ...note };
}

async function verify(kube: Kube, config: StackConfig, opts: Options, timeoutSeconds: number): Promise<{ findings: Finding[]; note?: string }> {
  // Rollouts and the pod may still be settling right after a deploy: read until green or the deadline.
  const judged = await judgeUntil(kube, timeoutSeconds, async () => {
    const snapshot = await verifySnapshot(kube, config);
    const { findings, samplePodAddresses } = judgeSnapshot(config, snapshot);
    return { snapshot, findings, addresses: samplePodAddresses };
  }, (read) => read.findings.every((f) => f.ok));
  const { read, findings, note } = judged;
  if (!read) return { findings, ...(note ? { note } : {}) };
  const pingConfig = opts.ping ? { ...config, verification: { ...config.verification, ping: { ...config.verification.ping, enabled: true } } } : config;
  if (pingConfig.verification.ping.enabled && !judged.timedOut && pingConfig.samplePod.enabled) {
    read.snapshot.ping = await runPing(kube, pingConfig, read.snapshot, read.addresses, kube.deadline.at);
  }
  return { findings: [...findings, ...judgePingObservation(pingConfig, read.snapshot.ping)], ...(note ? { note } : {}) };
}

/** Where the report goes; a write resolves once the text is handed over, so an exit right after loses nothing. */
export interface VerifyIo {
  stdout: (text: string) => Promise<void>;
  stderr: (text: string) => Promise<void>;
}

function emit(report: Report, json: boolean, io: VerifyIo): Promise<void> {
  const human = formatReport(report);
  if (!json) return report.error ? io.stderr(`error: ${human}`) : io.stdout(human);
  return io.stderr(report.error ? `error: ${human}` : human).then(() => io.stdout(`${JSON.stringify(report)}\n`));
}

/** How long to wait for what; the command uses connect()'s defaults, tests shorten them to run fast. */
export type VerifyTiming = Pick<KubeOptions, "connectTimeoutMs" | "attemptIntervalMs">;

/** The whole command: arguments and environment in, the report out through `io`, the exit code back. */
export async function runVerify(argv: string[], env: NodeJS.ProcessEnv, io: VerifyIo, timing: VerifyTiming = {}): Promise<number> {
  let opts: Options | undefined;
  let context: string | undefined;
  let deadline: RunDeadline | undefined;
  try {
    opts = options(argv, env);
    const { config, kubeContext, note } = opts.file !== undefined ? loadStack(opts.file) : { config: configFromEnvironment(env[configEnvVar]!), kubeContext: undefined, note: undefined };
    if (note) await io.stderr(note);
    const timeoutSeconds = opts.timeoutSeconds ?? config.verification.timeoutSeconds;
    deadline = timeoutSeconds > 0
      ? new RunDeadline(Date.now() + timeoutSeconds * 1000, `${timeoutSeconds}s (multinet:verification.timeoutSeconds, or --timeout)`)
      : new RunDeadline(Date.now() + lookOnceSeconds * 1000, `${lookOnceSeconds}s for one look (--timeout 0)`);
    const kube = await connect({ ...timing, context: opts.context ?? kubeContext, env, deadline, maxResponseBytes: maxResponseBytes(env) });
    context = kube.context;
    const { findings, note: runNote } = opts.kind === "preflight" ? await preflight(kube, config, opts, timeoutSeconds) : await verify(kube, config, opts, timeoutSeconds);
    const report: Report = { ...buildReport(opts.kind, opts.stack, findings, context), ...(runNote ? { note: runNote } : {}) };
    await emit(report, opts.json, io);
    return report.ok || opts.exitZero ? 0 : 1;
  } catch (error) {
    const known = error instanceof UsageError || error instanceof KubeError;
    // Anything else is a bug of ours: its JavaScript text would only confuse, the stack is there on request.
    const message = known ? (error as Error).message
      : env.MULTINET_DEBUG ? (error as Error).stack ?? String(error)
        : "an unexpected internal error (a bug in multinet; MULTINET_DEBUG=1 prints the stack)";
    await emit(errorReport(opts?.kind ?? "verify", opts?.stack ?? "?", message, context), opts?.json ?? argv.includes("--json"), io);
    // failOnError: false (--exit-zero) only records it: the report carries the error.
    return opts?.exitZero ? 0 : 2;
  } finally {
    deadline?.dispose();
  }
}

// Run as a command (not when a test imports runVerify). Exit explicitly: keep-alive sockets of the
// API client must not hold the process open.
if (require.main === module) {
  // A credential plugin runs in its own process group: end it with the verifier, however it ends.
  process.on("exit", endCredentialPlugins);
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    process.on(signal, () => {
      endCredentialPlugins();
      process.exit(code);
    });
  }
  const to = (stream: NodeJS.WriteStream) => (text: string) => new Promise<void>((resolve) => stream.write(text, () => resolve()));
  runVerify(process.argv.slice(2), process.env, { stdout: to(process.stdout), stderr: to(process.stderr) })
    .then((code) => process.exit(code), () => process.exit(2));
}
