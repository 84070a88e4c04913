import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { multusSchema } from "../lib/config";
import { logicalName } from "../lib/build/objects";
import { multusImage, multusObjects } from "../lib/build/multus";
import { awaitTimeouts, childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";

/**
 * Multus options (stack key `multinet:multus`); every field is optional. Meanings and defaults:
 * docs/configuration.md.
 */
export type MultusArgs = z.input<typeof multusSchema>;

/** Multus CNI: the NAD CRD, its RBAC, daemon config and DaemonSet. */
export class Multus extends pulumi.ComponentResource {
  /** The NetworkAttachmentDefinition CRD; NADs depend on it. */
  public readonly crd: k8s.apiextensions.v1.CustomResourceDefinitionPatch;
  /** The DaemonSet; Pulumi waits for its rollout (every daemon pod started; it has no readiness probe). */
  public readonly daemonSet: k8s.apps.v1.DaemonSet;
  public readonly image: string;

  constructor(name: string, args: MultusArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:Multus", name, {}, opts);
    const config = componentArgs(this, ["multus"], multusSchema, args);
    // The CRD is shared by every stack and adopted, so it is no stack's.
    const objects = ownedByStack(multusObjects(config), ["crd"]);
    const child = childOptions(this, opts);

    // Cluster-wide and shared with every NAD in the cluster: destroying multinet must not delete
    // the CRD, which would delete every NetworkAttachmentDefinition with it, ours or not. So it is
    // kept on destroy, and found again on the next deploy, on a cluster with a manual Multus install
    // or with another stack: a plain create would fail there with AlreadyExists (provider >= 4.29,
    // pulumi-kubernetes CHANGELOG 4.29.0, #2926). A Patch resource is a server-side apply, which
    // creates the object or updates the existing one (provider/pkg/await/await.go:190-215).
    this.crd = new k8s.apiextensions.v1.CustomResourceDefinitionPatch(logicalName(objects.crd), kubeArgs(objects.crd), { ...child(), retainOnDelete: true });
    const serviceAccount = new k8s.core.v1.ServiceAccount(logicalName(objects.serviceAccount), objects.serviceAccount, child());
    const clusterRole = new k8s.rbac.v1.ClusterRole(logicalName(objects.clusterRole), objects.clusterRole, child());
    const binding = new k8s.rbac.v1.ClusterRoleBinding(logicalName(objects.clusterRoleBinding), objects.clusterRoleBinding,
      child(clusterRole, serviceAccount));
    const daemonConfig = objects.daemonConfig
      ? [new k8s.core.v1.ConfigMap(logicalName(objects.daemonConfig), objects.daemonConfig, child())]
      : [];
    this.daemonSet = new k8s.apps.v1.DaemonSet(logicalName(objects.daemonSet), kubeArgs(objects.daemonSet),
      { ...child(this.crd, binding, ...daemonConfig), customTimeouts: awaitTimeouts(config.timeoutSeconds) });
    this.image = multusImage(config);

    this.registerOutputs({ image: this.image, daemonSet: this.daemonSet.metadata.name });
  }
}
