import type * as pulumi from "@pulumi/pulumi";
import { ClusterCheck, type ClusterCheckArgs } from "./clusterCheck";

export interface VerificationArgs extends ClusterCheckArgs {
  /** The sample pod's UID: a new pod is verified again. */
  podUid?: pulumi.Input<string | undefined>;
}

/**
 * Checks, after the deploy, that the multi-network setup works: DaemonSets rolled out, Calico's
 * autodetection, every NAD, the sample pod's network-status and routes (and optionally a ping).
 * Pass everything it checks in `opts.dependsOn` (Multus, Flannel, Calico, the NADs, the pod).
 */
export class Verification extends ClusterCheck {
  constructor(name: string, args: VerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:Verification", "verify", name, args, [args.podUid ?? ""], opts);
  }
}
