/** `multinet:samplePod`: a pod that asks for the attachments, to show (and verify) they work. */
import { z } from "zod";
import { image } from "./kubernetes";
import { resourcesSchema, timeoutSecondsSchema } from "./pods";
import { cidr, dnsLabel, interfaceName, strict } from "./values";
import { versions } from "./versions";

export const samplePodSchema = strict({
  enabled: z.boolean().default(true).meta({ description: "create the sample pod" }),
  name: dnsLabel.default("multinet-sample").meta({ description: "pod name" }),
  namespace: dnsLabel.default("default").meta({ description: "pod namespace" }),
  image: image.default(versions.samplePodImage).meta({ description: "pinned image (a release tag, not a floating one such as `latest`, or a digest)" }),
  networks: z.array(strict({
    name: dnsLabel,
    namespace: dnsLabel.optional(),
    interface: interfaceName.optional(),
    ips: z.array(cidr).min(1).optional(),
  })).default([]).meta({
    description: "required when enabled: the attachments requested, in order, a list of `{name, namespace?, interface?, ips?}`, each a NAD from `multinet:networks` (`namespace` defaults to the pod's); interfaces default to `net1`, `net2`, …; `ips` (CIDRs) exactly for NADs with static IPAM and no `addresses`",
  }),
  timeoutSeconds: timeoutSecondsSchema("the sample pod to run (its image pulled, every attachment added by Multus)"),
  resources: resourcesSchema("the sample pod", { cpu: "10m", memory: "32Mi", memoryLimit: "64Mi" }),
}).prefault({}).meta({ description: "A pod that requests the attachments; the verification checks them from inside it." });
