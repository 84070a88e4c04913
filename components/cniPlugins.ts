import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { cniPluginsDaemonSet } from "../lib/build/cniPlugins";
import { logicalName } from "../lib/build/objects";
import { cniPluginsSchema } from "../lib/config";
import { awaitTimeouts, childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";

/**
 * CNI plugins installer options (stack key `multinet:cniPlugins`); every field is optional.
 * Meanings and defaults: docs/configuration.md.
 */
export type CniPluginsArgs = z.input<typeof cniPluginsSchema>;

/** Copies the reference CNI plugins into every node's /opt/cni/bin, leaving Calico's own alone. */
export class CniPlugins extends pulumi.ComponentResource {
  /** The DaemonSet; Pulumi waits for its rollout, i.e. until every node has the plugins. */
  public readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: CniPluginsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:CniPlugins", name, {}, opts);
    const config = componentArgs(this, ["cniPlugins"], cniPluginsSchema, args);
    const { daemonSet } = ownedByStack({ daemonSet: cniPluginsDaemonSet(config) });
    this.daemonSet = new k8s.apps.v1.DaemonSet(logicalName(daemonSet), kubeArgs(daemonSet),
      { ...childOptions(this, opts)(), customTimeouts: awaitTimeouts(config.timeoutSeconds) });
    this.registerOutputs({ daemonSet: this.daemonSet.metadata.name });
  }
}
