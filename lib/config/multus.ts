/** `multinet:multus`: the Multus DaemonSet and the config it writes for every pod. */
import { z } from "zod";
import { maxUnavailableSchema, resourcesSchema, schedulingFields, timeoutSecondsSchema } from "./pods";
import { cniVersion, dnsLabel, imageRepository, releaseTag, strict } from "./values";
import { imageRepositories, versions } from "./versions";

export const multusSchema = strict({
  mode: z.enum(["thick", "thin"]).default("thick").meta({ description: "`thick` (daemon + shim) or `thin` (the binary does everything)" }),
  namespace: dnsLabel.default("kube-system").meta({ description: "namespace of the DaemonSet, ServiceAccount and daemon ConfigMap" }),
  version: releaseTag.default(versions.multus).meta({ description: "release tag; the image is `<imageRepository>:<version>-thick` (thin: `:<version>`)" }),
  imageRepository: imageRepository.default(imageRepositories.multus).meta({ description: "repository without tag, e.g. a registry mirror" }),
  // Pinned so that Multus never picks the alphabetically first file (which could be Flannel's) at boot.
  primaryCniConfig: z.string().regex(/^[\w.-]+\.(conf|conflist|json)$/, "must be a file name ending in .conf, .conflist or .json").default("10-calico.conflist").meta({
    description: "file in `/etc/cni/net.d` that stays every pod's primary network; pinned as `multusMasterCNI` and used as the readiness indicator. Thin Multus cannot pin it and takes the first file by name",
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
}).prefault({}).meta({ description: "The Multus DaemonSet (thick mode by default) and its config." });
