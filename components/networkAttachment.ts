import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { networkSchema } from "../lib/config";
import { logicalName } from "../lib/build/objects";
import { networkAttachmentDefinition } from "../lib/build/networks";
import { childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";

/**
 * One network (an entry of `multinet:networks`): `name`, `type` and the type's options. Meanings and
 * defaults: docs/configuration.md.
 */
export type NetworkAttachmentArgs = z.input<typeof networkSchema>;

/** A NetworkAttachmentDefinition whose `spec.config` comes from the typed CNI model. */
export class NetworkAttachment extends pulumi.ComponentResource {
  public readonly definition: k8s.apiextensions.CustomResource;
  /** `namespace/name`, as pods reference it. */
  public readonly reference: string;
  /** The NAD's `spec.config`. */
  public readonly config: string;

  /** Pass the Multus CRD in `opts.dependsOn`: a NAD cannot exist before its CRD. */
  constructor(name: string, args: NetworkAttachmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:NetworkAttachment", name, {}, opts);
    const network = componentArgs(this, ["networks", 0], networkSchema, args);
    const { nad } = ownedByStack({ nad: networkAttachmentDefinition(network) });

    this.definition = new k8s.apiextensions.CustomResource(logicalName(nad), kubeArgs(nad), childOptions(this, opts)());
    this.reference = logicalName(nad);
    this.config = nad.spec.config;

    this.registerOutputs({ reference: this.reference, config: this.config });
  }
}
