import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isDnsLabel, systemNamespaces } from "../lib/config";
import { networkNamespace } from "../lib/build/networks";
import { childOptions, ownedByStack } from "./args";

/**
 * A namespace for NADs that the stack asks multinet to create (`multinet:networks[].createNamespace`):
 * multinet's own, so `pulumi destroy` deletes it with everything in it. Pass it in the NADs' dependsOn.
 */
export class NetworkNamespace extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:NetworkNamespace", name, {}, opts);
    if (!isDnsLabel(name) || systemNamespaces.includes(name)) {
      throw new pulumi.ResourceError(`namespace "${name}" cannot be created by multinet; allowed: a DNS-1123 label other than ${systemNamespaces.join(", ")}`, this);
    }
    this.namespace = new k8s.core.v1.Namespace(name, ownedByStack({ ns: networkNamespace(name) }).ns, childOptions(this, opts)());
    this.registerOutputs({ namespace: name });
  }
}
