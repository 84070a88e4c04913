/**
 * A pod's Warning events, which say why it does not run (a failed sandbox, a failed
 * mount): the sample pod's checks and the peer pod's start both quote the last one.
 */

/** A core/v1 Event as listed, the fields the verifier reads. */
export interface PodEvent {
  reason?: string;
  message?: string;
  involvedObject?: { uid?: string };
  eventTime?: string | null;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
  series?: { lastObservedTime?: string | null } | null;
}

/** When an event was last seen, the same way for old-style (lastTimestamp) and new-style (eventTime, series) events. */
function lastSeen(event: PodEvent): number {
  const text = event.series?.lastObservedTime || event.eventTime || event.lastTimestamp || event.firstTimestamp;
  return text ? Date.parse(text) || 0 : 0;
}

/** A CNI plugin the runtime or Multus looked for and did not find on the node. */
export interface MissingCniPlugin {
  plugin: string;
  /** The directories searched, as printed: `/opt/cni/bin` or `/opt/cni/bin /host/opt/cni/bin`. */
  paths: string;
  /** The network whose ADD failed, when Multus names it. */
  network?: string;
}

// libcni's wording (containernetworking/cni v1.3.0 pkg/invoke/find.go:47, vendored by multus-cni
// at versions.multus): `failed to find plugin "macvlan" in path [/opt/cni/bin]`; Multus prefixes the delegate
// (pkg/multus/multus.go:853): `error adding container to network "storage": …`.
const missingPluginPattern = /(?:error adding container to network "([^"]*)": )?failed to find plugin "([^"]+)" in path \[([^\]]*)\]/;

/** The missing plugin a sandbox error names, if it names one. */
export function missingCniPlugin(message: string): MissingCniPlugin | undefined {
  const match = missingPluginPattern.exec(message);
  if (!match) return undefined;
  return { plugin: match[2], paths: match[3], ...(match[1] !== undefined ? { network: match[1] } : {}) };
}

/**
 * One line for an event: its reason and message, white space folded, cut at 300 characters. A
 * missing plugin is named deep inside a long sandbox error, so that part is kept whole instead.
 */
function warningLine(event: PodEvent): string {
  const message = (event.message ?? "").replace(/\s+/g, " ");
  const missing = missingPluginPattern.exec(message);
  return `${event.reason ?? "Warning"}: ${missing ? missing[0] : message.slice(0, 300)}`;
}

/**
 * The Warning events of one pod object, oldest first, one line each. By UID: a pod deleted and
 * created again under the same name must not show its predecessor's failures.
 */
export function podWarningMessages(events: readonly PodEvent[], uid: string | undefined): string[] {
  return events
    .filter((event) => !uid || event.involvedObject?.uid === uid)
    .sort((a, b) => lastSeen(a) - lastSeen(b))
    .map(warningLine);
}

/** What to do about a plugin missing on a node: name it, the node, and the two ways to install it. */
export function missingPluginAdvice(missing: MissingCniPlugin, node: string | undefined): string {
  const network = missing.network ? ` (network ${missing.network})` : "";
  const where = node ? `node ${node}` : "the pod's node";
  return `the CNI plugin "${missing.plugin}"${network} is missing from ${missing.paths} on ${where}; install it: set multinet:cniPlugins.enabled: true (it copies the reference plugins to every node), or install containernetworking/plugins into /opt/cni/bin on ${where}`;
}

/**
 * How a pod's warnings end the line that says why it does not run: the advice for a missing CNI
 * plugin when one is named (the latest), else the last warning; empty without warnings.
 */
export function warningSummary(warnings: readonly string[], node: string | undefined): string {
  const missing = warnings.map(missingCniPlugin).filter((m) => m !== undefined).at(-1);
  if (missing) return `; ${missingPluginAdvice(missing, node)}`;
  return warnings.length ? `; last warning: ${warnings[warnings.length - 1]}` : "";
}
