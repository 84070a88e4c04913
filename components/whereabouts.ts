import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { whereaboutsSchema } from "../lib/config";
import { logicalName, withInstance } from "../lib/build/objects";
import { whereaboutsImage, whereaboutsObjects } from "../lib/build/whereabouts";
import { awaitTimeouts, childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";

/**
 * whereabouts options (stack key `multinet:whereabouts`); every field is optional. Meanings and
 * defaults: docs/configuration.md.
 */
export type WhereaboutsArgs = z.input<typeof whereaboutsSchema>;

/** whereabouts: cluster-wide IPAM for NADs with `ipam.type: whereabouts`. */
export class Whereabouts extends pulumi.ComponentResource {
  /** The DaemonSet; Pulumi waits for its rollout (the binary and its config on every node). */
  public readonly daemonSet: k8s.apps.v1.DaemonSet;
  public readonly reconciler: k8s.apps.v1.Deployment;
  public readonly image: string;

  constructor(name: string, args: WhereaboutsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:Whereabouts", name, {}, opts);
    const config = componentArgs(this, ["whereabouts"], whereaboutsSchema, args);
    const built = whereaboutsObjects(config);
    const objects = { ...ownedByStack(built), crds: built.crds.map((crd) => withInstance(crd, pulumi.getStack())) };
    const child = childOptions(this, opts);

    const crds = objects.crds.map((crd) => new k8s.apiextensions.v1.CustomResourceDefinition(logicalName(crd), crd, child()));
    const serviceAccount = new k8s.core.v1.ServiceAccount(logicalName(objects.serviceAccount), objects.serviceAccount, child());
    const clusterRole = new k8s.rbac.v1.ClusterRole(logicalName(objects.clusterRole), objects.clusterRole, child());
    const binding = new k8s.rbac.v1.ClusterRoleBinding(logicalName(objects.clusterRoleBinding), objects.clusterRoleBinding,
      child(clusterRole, serviceAccount));
    const cronConfig = new k8s.core.v1.ConfigMap(logicalName(objects.cronConfig), objects.cronConfig, child());
    const customTimeouts = awaitTimeouts(config.timeoutSeconds);
    this.daemonSet = new k8s.apps.v1.DaemonSet(logicalName(objects.daemonSet), kubeArgs(objects.daemonSet), { ...child(...crds, binding), customTimeouts });
    this.reconciler = new k8s.apps.v1.Deployment(logicalName(objects.reconciler), kubeArgs(objects.reconciler),
      { ...child(...crds, binding, cronConfig), customTimeouts });
    this.image = whereaboutsImage(config);

    this.registerOutputs({ image: this.image, daemonSet: this.daemonSet.metadata.name, reconciler: this.reconciler.metadata.name });
  }
}
