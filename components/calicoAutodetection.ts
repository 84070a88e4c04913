import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { calicoPatch, calicoPatchRevision } from "../lib/build/calico";
import { calicoSchema } from "../lib/config";
import { logicalName } from "../lib/build/objects";
import { awaitTimeouts, childOptions, componentArgs, kubeArgs } from "./args";

/**
 * Calico options (stack key `multinet:calico`): which DaemonSet or Installation to patch, and the
 * autodetection method. Meanings and defaults: docs/configuration.md.
 */
export type CalicoAutodetectionArgs = z.input<typeof calicoSchema>;

/**
 * Pins Calico's node-address autodetection with a server-side-apply patch under a field manager of
 * its own: only our fields change, and destroying the patch removes exactly those fields.
 *
 * The patch converges (docs/deploying.md): the provider diffs a patch's inputs against the live
 * object's lists by index, and calico-node's env list starts with Calico's own variables, so a
 * patch's spec never equals what the provider compares it with. So the spec is ignored in diffs and
 * carried by the patch's revision instead (in its resource name and field manager): a changed spec
 * is a new patch, created under a new manager, after which the old one relinquishes its fields.
 */
export class CalicoAutodetection extends pulumi.ComponentResource {
  /** The patch resource, or undefined in mode none. */
  public readonly patch?: pulumi.CustomResource;

  constructor(name: string, args: CalicoAutodetectionArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:CalicoAutodetection", name, {}, opts);
    const config = componentArgs(this, ["calico"], calicoSchema, args);
    const patch = calicoPatch(config);

    if (patch) {
      const patchName = `${logicalName(patch)}-${calicoPatchRevision(patch.spec)}`;
      const options: pulumi.CustomResourceOptions = {
        ...childOptions(this, opts)(),
        ignoreChanges: ["spec"],
        // The DaemonSet patch is awaited as a DaemonSet: calico-node's whole rolling restart.
        customTimeouts: awaitTimeouts(config.timeoutSeconds),
      };
      this.patch = patch.kind === "DaemonSet"
        ? new k8s.apps.v1.DaemonSetPatch(patchName, kubeArgs(patch), options)
        : new k8s.apiextensions.CustomResourcePatch(patchName, kubeArgs(patch), options);
    }

    this.registerOutputs({ mode: config.mode });
  }
}
