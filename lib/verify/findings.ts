/**
 * What the verifier and the preflight say: a list of findings, one per check, and a report that
 * wraps them for humans (a few lines) and for machines (JSON, the stack outputs).
 */

export interface Finding {
  /** Stable id of the check, e.g. `multus/rollout`, `nad/default/flannel`, `pod/route/net1`. */
  check: string;
  ok: boolean;
  /** One line: what was found and, when it failed, what to look at. */
  detail: string;
  /** The check did not apply (e.g. no sample pod); counts as ok. */
  skipped?: boolean;
}

export type ReportKind = "preflight" | "verify";

export interface Report {
  kind: ReportKind;
  stack: string;
  /** The kube context the checks ran against. */
  context?: string;
  ok: boolean;
  /** One line, e.g. `verify staging: 11 passed, 1 failed (pod/route/net1)`. */
  summary: string;
  findings: Finding[];
  /** Set when the checks could not run at all (no context, API unreachable, bad config). */
  error?: string;
  /** A remark on the run as a whole, e.g. that it stopped waiting at the deadline. */
  note?: string;
}

export const pass = (check: string, detail: string): Finding => ({ check, ok: true, detail });
export const fail = (check: string, detail: string): Finding => ({ check, ok: false, detail });
export const skip = (check: string, detail: string): Finding => ({ check, ok: true, skipped: true, detail });

export function summaryLine(kind: ReportKind, stack: string, findings: readonly Finding[]): string {
  const failed = findings.filter((f) => !f.ok);
  const skipped = findings.filter((f) => f.skipped).length;
  const passed = findings.length - failed.length - skipped;
  const counts = [`${passed} passed`, `${failed.length} failed`, ...(skipped ? [`${skipped} skipped`] : [])].join(", ");
  const which = failed.length ? ` (${failed.map((f) => f.check).join(", ")})` : "";
  return `${kind} ${stack}: ${counts}${which}`;
}

export function buildReport(kind: ReportKind, stack: string, findings: Finding[], context?: string): Report {
  return {
    kind,
    stack,
    ...(context !== undefined ? { context } : {}),
    ok: findings.every((f) => f.ok),
    summary: summaryLine(kind, stack, findings),
    findings,
  };
}

/** A report for checks that never ran; `error` is the reason, already readable. */
export function errorReport(kind: ReportKind, stack: string, error: string, context?: string): Report {
  return {
    kind,
    stack,
    ...(context !== undefined ? { context } : {}),
    ok: false,
    summary: `${kind} ${stack}: could not run: ${error.split("\n")[0]}`,
    findings: [],
    error,
  };
}

/**
 * Text from the cluster (names, messages) as one printable line: control characters (newlines,
 * terminal escapes) and bidirectional overrides become a space, so no answer can forge a line of
 * the report or restyle the terminal.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, " ").trim();
}

/** The few lines printed for humans: one per finding, failures marked, then the summary. */
export function formatReport(report: Report): string {
  if (report.error) return `${report.summary}\n${report.error.includes("\n") ? `${report.error}\n` : ""}`;
  const width = Math.max(0, ...report.findings.map((f) => f.check.length));
  const lines = report.findings.map((f) => `${f.skipped ? "skip" : f.ok ? " ok " : "FAIL"}  ${oneLine(f.check).padEnd(width)}  ${oneLine(f.detail)}`);
  const context = report.context ? ` (context ${report.context})` : "";
  const note = report.note ? `${report.note}\n` : "";
  return `${lines.join("\n")}${lines.length ? "\n" : ""}${note}${report.summary}${context}\n`;
}

/**
 * The report a verify command printed with --json (its stdout), for the stack outputs. Anything
 * else becomes a failed report that says so, so a broken command never looks like a pass.
 */
export function parseReport(kind: ReportKind, stack: string, stdout: string | undefined): Report {
  if (!stdout || !stdout.trim()) return errorReport(kind, stack, "the command printed no report");
  try {
    const parsed = JSON.parse(stdout) as Partial<Report>;
    if (typeof parsed.ok !== "boolean" || !Array.isArray(parsed.findings) || typeof parsed.summary !== "string") {
      return errorReport(kind, stack, "the command's output is not a multinet report");
    }
    return parsed as Report;
  } catch {
    return errorReport(kind, stack, `the command's output is not JSON: ${stdout.trim().slice(0, 120)}`);
  }
}
