import type * as pulumi from "@pulumi/pulumi";
import { ClusterCheck, type ClusterCheckArgs } from "./clusterCheck";

export type PreflightArgs = ClusterCheckArgs;

/**
 * Checks, before multinet changes anything, that the cluster can carry Flannel as an attachment:
 * every node has a podCIDR inside the Flannel network, no Calico pool overlaps multinet's ranges,
 * Calico is installed the way `calico.mode` says. Make it a dependency of every component that
 * changes the cluster: a failed preflight fails `pulumi up` before they run.
 */
export class Preflight extends ClusterCheck {
  constructor(name: string, args: PreflightArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:Preflight", "preflight", name, args, [], opts);
  }
}
