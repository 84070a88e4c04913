import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { policiesSchema } from "../lib/config";
import { logicalName } from "../lib/build/objects";
import { multiNetworkPolicy } from "../lib/build/policies";
import { childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";

/**
 * The policies (stack key `multinet:policies`). Which networks they may name is checked with the
 * whole stack (validateConfig); meanings: docs/configuration.md.
 */
export type NetworkPoliciesArgs = z.input<typeof policiesSchema>;

/** MultiNetworkPolicy objects. Pass the MultiNetworkPolicy CRD and the NADs in `opts.dependsOn`. */
export class NetworkPolicies extends pulumi.ComponentResource {
  /** `namespace/name` of each policy. */
  public readonly references: string[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:NetworkPolicies", name, {}, opts);
    const policies = componentArgs(this, ["policies"], policiesSchema, args);
    const child = childOptions(this, opts);
    const objects = policies.map((policy) => ownedByStack({ policy: multiNetworkPolicy(policy) }).policy);
    for (const object of objects) new k8s.apiextensions.CustomResource(logicalName(object), kubeArgs(object), child());
    this.references = objects.map(logicalName);

    this.registerOutputs({ references: this.references });
  }
}
