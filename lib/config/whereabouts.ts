/**
 * `multinet:whereabouts`: cluster-wide IPAM. The DaemonSet installs the `whereabouts` binary and its
 * config on every node and runs the pod controller that frees addresses of deleted pods; a
 * Deployment runs the scheduled IP reconciler. As upstream ships them in doc/crds/ at the pinned tag.
 */
import { z } from "zod";
import { maxUnavailableSchema, resourcesSchema, schedulingFields, timeoutSecondsSchema } from "./pods";
import { dnsLabel, imageRepository, releaseTag, strict } from "./values";
import { imageRepositories, versions } from "./versions";

/**
 * The reconciler's schedule: five cron fields (minute hour day month weekday) of digits, `*`, `,`,
 * `-` and `/`, run in UTC (cmd/reconciler/main.go:48 at v0.9.4, gocron with time.UTC).
 */
const cronExpression = z.string().refine((text) => /^[\d*,/-]+( [\d*,/-]+){4}$/.test(text), {
  message: "must be a cron expression of five fields (minute hour day-of-month month day-of-week), e.g. \"30 4 * * *\"",
});

export const whereaboutsSchema = strict({
  enabled: z.boolean().default(false).meta({ description: "deploy whereabouts; required by NADs with `ipam.type: whereabouts`" }),
  namespace: dnsLabel.default("kube-system").meta({ description: "namespace of the DaemonSet, the reconciler and the IPPool/OverlappingRangeIPReservation objects (whereabouts keeps its pools in its own namespace)" }),
  version: releaseTag.default(versions.whereabouts).meta({ description: "release tag; the image is `<imageRepository>:<version>`" }),
  imageRepository: imageRepository.default(imageRepositories.whereabouts).meta({ description: "repository without tag, e.g. a registry mirror" }),
  logLevel: z.enum(["debug", "verbose", "error", "panic"]).default("debug").meta({ description: "log level of the pod controller and the reconciler (`-log-level`; upstream ships `debug`)" }),
  reconcilerSchedule: cronExpression.default("30 4 * * *").meta({ description: "when the IP reconciler frees addresses of pods that no longer exist (cron, UTC); upstream's default, daily at 04:30" }),
  resources: resourcesSchema("the whereabouts DaemonSet's container", { cpu: "100m", memory: "100Mi", memoryLimit: "200Mi" }),
  reconcilerResources: resourcesSchema("the IP reconciler", { cpu: "100m", memory: "50Mi", memoryLimit: "50Mi" }),
  timeoutSeconds: timeoutSecondsSchema("the whereabouts DaemonSet's rollout and the reconciler's"),
  maxUnavailable: maxUnavailableSchema,
  ...schedulingFields([{ operator: "Exists", effect: "NoSchedule" }], " (upstream's: every node that is not NoExecute-tainted)"),
}).prefault({}).meta({ description: "whereabouts, cluster-wide IPAM: unique addresses for a NAD used on many nodes, which host-local (one pool per node) cannot give." });
