/** `multinet:multus`: the Multus DaemonSet and the config it writes for every pod. */
import { z } from "zod";
import { maxUnavailableSchema, resourcesSchema, schedulingFields, timeoutSecondsSchema } from "./pods";
import { configKey } from "./errors";
import { cniVersion, dnsLabel, imageRepository, releaseTag, strict } from "./values";
import { imageRepositories, versions } from "./versions";

/** A plain file name in /etc/cni/net.d. */
const fileName = z.string().regex(/^[\w][\w.-]*$/, "must be a file name (letters, digits, '_', '.', '-'; no '/')");
const cniConfigFileName = z.string().regex(/^[\w.-]+\.(conf|conflist|json)$/, "must be a file name ending in .conf, .conflist or .json");

export const multusSchema = strict({
  mode: z.enum(["thick", "thin"]).default("thick").meta({ description: "`thick` (daemon + shim) or `thin` (the binary does everything)" }),
  namespace: dnsLabel.default("kube-system").meta({ description: "namespace of the DaemonSet, ServiceAccount and daemon ConfigMap" }),
  version: releaseTag.default(versions.multus).meta({ description: "release tag; the image is `<imageRepository>:<version>-thick` (thin: `:<version>`)" }),
  imageRepository: imageRepository.default(imageRepositories.multus).meta({ description: "repository without tag, e.g. a registry mirror" }),
  // Pinned so that Multus never picks the alphabetically first file (which could be Flannel's) at boot.
  primaryCniConfig: cniConfigFileName.default("10-calico.conflist").meta({
    description: "file in `/etc/cni/net.d` that stays every pod's primary network; pinned as `multusMasterCNI` (thick) or `--multus-master-cni-file-name` (thin)",
  }),
  readinessIndicatorFile: fileName.default("calico-kubeconfig").meta({
    description: "file in `/etc/cni/net.d` whose existence means the primary network is installed on the node: Multus serves no pod before it exists, and the thick daemon restarts when it is removed. Calico's installer writes `calico-kubeconfig` just before its conflist. Must differ from `primaryCniConfig` in thick mode: the daemon then ignores in-place rewrites of that file and never regenerates its config when Calico changes it",
  }),
  // Upstream has no default (multus-cni at versions.multus, cmd/multus-daemon/main.go:193-199: unset is no limit,
  // 0 or less an error, else netutil.LimitListener). The OOM loop is multus-cni#1346; 5 is the limit
  // its reporters ran in production with the patch that became PR #1510 (#1356).
  connectionLimit: z.number().int().min(1).max(1000).default(5).meta({
    description: "thick mode: at most this many CNI requests the daemon serves at once (`connectionLimit` of its daemon config, Multus 4.3 or newer); others wait. Bounds the daemon's memory under pod-creation bursts (e.g. after a node reboot), which otherwise OOM-loop it",
  }),
  cniVersion: cniVersion.default("0.3.1").meta({ description: "CNI version Multus uses with its delegates; keep it equal to the NADs' to avoid mismatches" }),
  logLevel: z.enum(["debug", "verbose", "error", "panic"]).default("verbose").meta({ description: "`debug`, `verbose`, `error` or `panic`" }),
  // Upstream's 50Mi memory limit OOMs under pod-creation bursts; 300Mi leaves headroom.
  resources: resourcesSchema("the Multus daemon container", { cpu: "100m", memory: "100Mi", memoryLimit: "300Mi" }),
  timeoutSeconds: timeoutSecondsSchema("the Multus DaemonSet's rollout (every daemon pod ready on every node it tolerates)"),
  maxUnavailable: maxUnavailableSchema,
  ...schedulingFields([
    { operator: "Exists", effect: "NoSchedule" },
    { operator: "Exists", effect: "NoExecute" },
  ]),
}).superRefine((multus, ctx) => {
  // multus-cni at versions.multus, pkg/server/config/manager.go:274-284: an event on the readiness indicator
  // counts only when it is a Remove or Rename, and that test comes first, so when the indicator is
  // the primary config, Calico's in-place rewrite (os.WriteFile) never regenerates 00-multus.conf.
  if (multus.mode === "thick" && multus.readinessIndicatorFile === multus.primaryCniConfig) {
    ctx.addIssue({
      code: "custom", path: ["readinessIndicatorFile"], input: multus.readinessIndicatorFile,
      message: `is the same file as ${configKey(["multus", "primaryCniConfig"])}; allowed: another file (the thick daemon would never regenerate its config when the primary config changes)`,
    });
  }
}).prefault({}).meta({ description: "The Multus DaemonSet (thick mode by default) and its config." });
