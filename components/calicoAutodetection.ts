import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { calicoPatch } from "../lib/build/calico";
import { calicoSchema } from "../lib/config";
import { logicalName } from "../lib/build/objects";
import { childOptions, componentArgs, kubeArgs } from "./args";

/**
 * Calico options (stack key `multinet:calico`): which DaemonSet or Installation to patch, and the
 * autodetection method. Meanings and defaults: docs/configuration.md.
 */
export type CalicoAutodetectionArgs = z.input<typeof calicoSchema>;

/**
 * Pins Calico's node-address autodetection with a server-side-apply patch under a fixed field
 * manager: only our fields change, and destroying the patch removes exactly those fields.
 */
export class CalicoAutodetection extends pulumi.ComponentResource {
  /** The patch resource, or undefined in mode none. */
  public readonly patch?: pulumi.CustomResource;

  constructor(name: string, args: CalicoAutodetectionArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:CalicoAutodetection", name, {}, opts);
    const config = componentArgs(this, ["calico"], calicoSchema, args);
    const patch = calicoPatch(config);

    const child = childOptions(this, opts);
    if (patch?.kind === "DaemonSet") {
      this.patch = new k8s.apps.v1.DaemonSetPatch(logicalName(patch), kubeArgs(patch), child());
    } else if (patch) {
      this.patch = new k8s.apiextensions.CustomResourcePatch(logicalName(patch), kubeArgs(patch), child());
    }

    this.registerOutputs({ mode: config.mode });
  }
}
