/**
 * The sample pod: it runs, Multus reports its default network on eth0 and each attachment with an
 * address in its network, and the pod's kernel routes the default via eth0 and each attachment's
 * networks via the attachment. One judgement gives both the findings and the attachments'
 * addresses, which the ping targets.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import { networkStatusAnnotation, type StackConfig } from "../config";
import { parseProcNetRoute, type ProcRoute } from "../net/procnet";
import { attachmentEntry, expectedAttachments, parseNetworkStatus } from "./attachments";
import { warningSummary } from "./events";
import { fail, pass, skip, type Finding } from "./findings";
import { defaultRoute, describeRoute, networkRoutedVia } from "./routes";
import { verifyTargets, type SamplePodState } from "./snapshot";

function podProblem(pod: IPod, warnings: readonly string[]): string {
  const phase = pod.status?.phase ?? "Unknown";
  const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).filter(Boolean);
  return `${phase}${waiting.length ? ` (${waiting.join(", ")})` : ""}${warningSummary(warnings, pod.spec?.nodeName)}`;
}

export interface SamplePodJudgement {
  findings: Finding[];
  /** The address of each attachment whose network-status entry passed, by interface (the ping's targets). */
  addresses: Map<string, string>;
}

/** Sample-pod checks, and the address of each attachment. */
export function judgeSamplePod(config: StackConfig, state: SamplePodState | undefined): SamplePodJudgement {
  const addresses = new Map<string, string>();
  const targets = verifyTargets(config).samplePod;
  if (!targets) return { findings: [skip("pod", "multinet:samplePod.enabled is false: no sample pod to look into")], addresses };
  const ref = `${targets.namespace}/${targets.name}`;
  const attachments = expectedAttachments(config.samplePod, config.networks, config.flannel);
  const later = (reason: string) => [
    skip("pod/network-status", `not checked: ${reason}`),
    skip("pod/default-route", `not checked: ${reason}`),
  ];

  const pod = state?.pod;
  if (!pod) return { findings: [fail("pod/running", `pod ${ref} not found`), ...later("no pod")], addresses };
  if (pod.status?.phase !== "Running") {
    return { findings: [fail("pod/running", `pod ${ref} is ${podProblem(pod, state?.warnings ?? [])}`), ...later("the pod is not running")], addresses };
  }
  const findings: Finding[] = [pass("pod/running", `pod ${ref} is Running on ${pod.spec?.nodeName ?? "(unknown node)"}`)];

  // What Multus reports.
  const status = parseNetworkStatus(pod.metadata?.annotations?.[networkStatusAnnotation]);
  if ("error" in status) {
    findings.push(fail("pod/network-status", status.error));
  } else {
    const defaults = status.entries.filter((e) => e.default);
    if (defaults.length !== 1) {
      findings.push(fail("pod/network-status", `${defaults.length} entries are marked default (want exactly one, eth0): ${status.entries.map((e) => e.name).join(", ")}`));
    } else if (defaults[0].interface !== undefined && defaults[0].interface !== "eth0") {
      findings.push(fail("pod/network-status", `the default network ${defaults[0].name} is on ${defaults[0].interface}, want eth0`));
    } else {
      findings.push(pass("pod/network-status", `default ${defaults[0].name} on ${defaults[0].interface ?? "eth0 (interface not reported)"} ${(defaults[0].ips ?? []).join(", ")}`.trim()));
    }
    for (const attachment of attachments) {
      const check = `pod/attachment/${attachment.ifname}`;
      const { problem, ip } = attachmentEntry(status.entries, attachment);
      if (problem) findings.push(fail(check, problem));
      else {
        addresses.set(attachment.ifname, ip!);
        findings.push(pass(check, `${attachment.ifname} (${attachment.reference}) has ${ip}, ${attachment.addresses.find((r) => r.matches(ip!))!.describe}`));
      }
    }
  }

  // What the pod's kernel routes.
  const raw = state?.procNetRoute;
  let routes: ProcRoute[] | undefined;
  let routeError: string | undefined;
  if (raw === undefined) routeError = "the pod's /proc/net/route was not read";
  else if (typeof raw !== "string") routeError = `could not read the pod's /proc/net/route: ${raw.error}`;
  else {
    try {
      routes = parseProcNetRoute(raw);
    } catch (error) {
      routeError = `the pod's /proc/net/route did not parse: ${(error as Error).message}`;
    }
  }
  if (!routes) {
    findings.push(fail("pod/default-route", routeError!));
    return { findings, addresses };
  }
  const byDefault = defaultRoute(routes);
  if (!byDefault) findings.push(fail("pod/default-route", "the pod has no default route"));
  else if (byDefault.iface !== "eth0") findings.push(fail("pod/default-route", `the default route is ${describeRoute(byDefault)}, want dev eth0 (an attachment took the default route: isDefaultGateway?)`));
  else findings.push(pass("pod/default-route", describeRoute(byDefault)));

  for (const attachment of attachments) {
    const check = `pod/route/${attachment.ifname}`;
    if (attachment.network.sourceBasedRouting) {
      findings.push(skip(check, `${attachment.reference} uses source-based routing: its routes live in a policy table, which /proc/net/route does not show`));
      continue;
    }
    if (!attachment.routed.length) {
      findings.push(skip(check, `${attachment.reference} has no IPv4 destination; /proc/net/route shows IPv4 only`));
      continue;
    }
    const verdicts = attachment.routed.map((cidr) => networkRoutedVia(routes, cidr, attachment.ifname));
    const bad = verdicts.filter((v) => !v.ok);
    findings.push(bad.length ? fail(check, bad.map((v) => v.detail).join("; ")) : pass(check, verdicts.map((v) => v.detail).join("; ")));
  }
  return { findings, addresses };
}
