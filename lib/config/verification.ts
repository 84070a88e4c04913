/** `multinet:verification`: the preflight and verification commands (scripts/verify.ts) Pulumi runs. */
import { z } from "zod";
import { image } from "./kubernetes";
import { strict } from "./values";
import { versions } from "./versions";

export const verificationSchema = strict({
  enabled: z.boolean().default(true).meta({ description: "after the sample pod, check the deployed setup from the cluster's side (scripts/verify.ts)" }),
  failOnError: z.boolean().default(true).meta({
    description: "a failed check, or a verification that could not run, fails `pulumi up`; `false` only records it (findings or `error`) in the `verification` output",
  }),
  timeoutSeconds: z.number().int().min(10).max(3600).default(300).meta({
    description: "10–3600; the wall-clock deadline of each run of the preflight and the verification, waiting for rollouts, the sample pod and the peer pod (at least 90 s for the peer) included; what is still failing then counts as failed",
  }),
  // Each node leases its own flannel subnet, so a reply proves a packet crossed nodes. Other
  // attachments are skipped: host-local IPAM hands out the same addresses on every node, static
  // addresses would clash, bridges are node-local.
  ping: strict({
    enabled: z.boolean().default(false).meta({
      description: "ping the sample pod over its flannel attachments from a temporary peer pod on another node (it creates and deletes `<samplePod.name>-peer`)",
    }),
    image: image.default(versions.pingPeerImage).meta({ description: "peer image; needs `ping` and `sleep` (busybox has both)" }),
  }).prefault({}),
  preflight: strict({
    enabled: z.boolean().default(true).meta({ description: "before anything changes, check nodes' podCIDRs, the live Calico pools and Calico's install mode" }),
  }).prefault({}),
}).prefault({}).meta({ description: "The preflight and verification commands; see the README's \"Verification and preflight\"." });
