import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { multiNetworkPolicySchema } from "../lib/config";
import { multiNetworkPolicyObjects } from "../lib/build/multiNetworkPolicy";
import { logicalName } from "../lib/build/objects";
import { awaitTimeouts, childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";

/**
 * MultiNetworkPolicy options (stack key `multinet:multiNetworkPolicy`); `image` is required.
 * Meanings and defaults: docs/configuration.md.
 */
export type MultiNetworkPolicyArgs = z.input<typeof multiNetworkPolicySchema>;

/** The MultiNetworkPolicy CRD and the multi-networkpolicy-iptables enforcer. */
export class MultiNetworkPolicy extends pulumi.ComponentResource {
  /** The CRD; policies depend on it. */
  public readonly crd: k8s.apiextensions.v1.CustomResourceDefinition;
  /** The DaemonSet; Pulumi waits for its rollout. */
  public readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: MultiNetworkPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:MultiNetworkPolicy", name, {}, opts);
    const config = componentArgs(this, ["multiNetworkPolicy"], multiNetworkPolicySchema, args);
    if (!config.image) throw new pulumi.ResourceError("multinet:multiNetworkPolicy.image: (not set); allowed: the enforcer's image pinned by digest (upstream publishes only floating tags)", this);
    const objects = ownedByStack(multiNetworkPolicyObjects(config));
    const child = childOptions(this, opts);

    this.crd = new k8s.apiextensions.v1.CustomResourceDefinition(logicalName(objects.crd), objects.crd, child());
    const serviceAccount = new k8s.core.v1.ServiceAccount(logicalName(objects.serviceAccount), objects.serviceAccount, child());
    const clusterRole = new k8s.rbac.v1.ClusterRole(logicalName(objects.clusterRole), objects.clusterRole, child());
    const binding = new k8s.rbac.v1.ClusterRoleBinding(logicalName(objects.clusterRoleBinding), objects.clusterRoleBinding,
      child(clusterRole, serviceAccount));
    this.daemonSet = new k8s.apps.v1.DaemonSet(logicalName(objects.daemonSet), kubeArgs(objects.daemonSet),
      { ...child(this.crd, binding), customTimeouts: awaitTimeouts(config.timeoutSeconds) });

    this.registerOutputs({ crd: this.crd.metadata.name, daemonSet: this.daemonSet.metadata.name });
  }
}
