/**
 * What `pulumi up` says when the provider stops waiting for a resource (a DaemonSet rollout, the
 * Calico patch's rolling restart, the sample pod): which resource, what the cluster looks like now
 * (the verifier's failed checks, one look) and where to go on — instead of the provider's bare
 * "timed out waiting for the condition". Pure: lib/hooks runs the verifier and logs the text.
 */
import type { StackConfig } from "../config";
import { oneLine, type Report } from "./findings";

/**
 * The provider's words for a wait that ended with the resource not ready. pulumi-kubernetes (commit
 * 94977969d) returns it as a partial failure — the object exists, the await failed —
 * provider/pkg/provider/provider.go:1868-1878 on create ("resource %q was successfully created, but
 * the Kubernetes API server reported that it failed to fully initialize or become live: %w") and
 * 2497-2507 on update (`reported that "<ns>/<name>" failed to fully initialize or become live`,
 * asserted for a DaemonSet in tests/sdk/yaml/await_test.go:81-86).
 */
const awaitFailedWords = "failed to fully initialize or become live";

/** What an error hook learns of a failed operation (@pulumi/pulumi ErrorHookArgs). */
export interface FailedOperation {
  urn: string;
  name: string;
  type: string;
  /** create, update or delete. */
  failedOperation: string;
  /** Every error of the operation so far, newest first (pulumi/pulumi 1b5949891b pkg/resource/deploy/retries.go:45-64). */
  errors: string[];
}

/** True when the newest error of a create or update is the provider's await giving up. */
export function isAwaitFailure(failure: FailedOperation): boolean {
  return (failure.failedOperation === "create" || failure.failedOperation === "update")
    && (failure.errors[0] ?? "").includes(awaitFailedWords);
}

/** The config section whose `timeoutSeconds` bounds each component's awaited resources. */
const timeoutSections: Record<string, keyof StackConfig> = {
  "multinet:index:Multus": "multus",
  "multinet:index:FlannelAttachment": "flannel",
  "multinet:index:CalicoAutodetection": "calico",
  "multinet:index:Whereabouts": "whereabouts",
  "multinet:index:MultiNetworkPolicy": "multiNetworkPolicy",
  "multinet:index:CniPlugins": "cniPlugins",
  "multinet:index:SamplePod": "samplePod",
};

/**
 * The section that sets the resource's time-out, read from its URN: `urn:pulumi:<stack>::<project>::
 * <parent types and its own, joined by $>::<name>` (pulumi/pulumi 1b5949891b sdk/go/common/resource/urn.go:37-43).
 */
export function timeoutSectionOf(urn: string): keyof StackConfig | undefined {
  const qualifiedType = urn.split("::")[2] ?? "";
  return qualifiedType.split("$").map((type) => timeoutSections[type]).find((section) => section !== undefined);
}

function timeoutOf(config: StackConfig, section: keyof StackConfig): number | undefined {
  const value = (config[section] as { timeoutSeconds?: unknown }).timeoutSeconds;
  return typeof value === "number" ? value : undefined;
}

/** Why the hook does not look at the cluster, or undefined when it does. */
export function noLookReason(config: StackConfig, secretConfig: boolean): string | undefined {
  if (!config.verification.enabled) return "multinet:verification.enabled is false";
  return secretConfig ? "the stack's config holds secrets, which the checks' lines may quote" : undefined;
}

/**
 * The text for a failed wait. `report`: the verifier's one look at the cluster just after, or why
 * there was none (noLookReason).
 */
export function awaitFailureText(failure: FailedOperation, stack: string, config: StackConfig, report: Report | string): string {
  const section = timeoutSectionOf(failure.urn);
  const seconds = section && timeoutOf(config, section);
  const lines = [`${failure.type} ${failure.name} was not ready when the wait ended${seconds ? ` (${seconds}s)` : ""}.`];
  if (typeof report === "string") {
    lines.push(`The cluster was not checked here: ${report}.`);
  } else if (report.error !== undefined) {
    lines.push(`The cluster could not be checked: ${oneLine(report.error)}`);
  } else if (report.ok) {
    lines.push(`Every check passes now (${report.summary}): it became ready after the wait; \`pulumi up\` again records it.`);
  } else {
    lines.push(`What the verifier sees now (${report.summary}):`);
    for (const finding of report.findings.filter((f) => !f.ok)) lines.push(`  FAIL  ${oneLine(finding.check)}  ${oneLine(finding.detail)}`);
  }
  lines.push(`Whole report: \`npm run verify -- --stack ${stack}\`.${section ? ` Time-out: multinet:${section}.timeoutSeconds (docs/deploying.md).` : ""}`);
  return lines.join("\n");
}
