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

/**
 * The Warning events of one pod object, oldest first, one line each. By UID: a pod deleted and
 * created again under the same name must not show its predecessor's failures.
 */
export function podWarningMessages(events: readonly PodEvent[], uid: string | undefined): string[] {
  return events
    .filter((event) => !uid || event.involvedObject?.uid === uid)
    .sort((a, b) => lastSeen(a) - lastSeen(b))
    .map((event) => `${event.reason ?? "Warning"}: ${(event.message ?? "").replace(/\s+/g, " ").slice(0, 300)}`);
}
