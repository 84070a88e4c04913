import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { networksAnnotation, samplePodSchema } from "../lib/config";
import { logicalName } from "../lib/build/objects";
import { samplePod } from "../lib/build/samplePod";
import { awaitTimeouts, childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";
import type { NetworkAttachment } from "./networkAttachment";

/**
 * Sample pod options (stack key `multinet:samplePod`), above all the NADs to attach. Meanings and
 * defaults: docs/configuration.md.
 */
export type SamplePodArgs = z.input<typeof samplePodSchema>;

/** A pod that asks Multus for extra interfaces, to show (and verify) the attachments. */
export class SamplePod extends pulumi.ComponentResource {
  public readonly pod: k8s.core.v1.Pod;
  /** The `k8s.v1.cni.cncf.io/networks` annotation the pod carries. */
  public readonly networks: string;

  /**
   * `attachments` are the NADs the pod names, in order; pass them, Multus and Flannel in
   * `opts.dependsOn` too.
   */
  constructor(name: string, args: SamplePodArgs, attachments: readonly NetworkAttachment[], opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:SamplePod", name, {}, opts);
    const config = componentArgs(this, ["samplePod"], samplePodSchema, args);
    const { pod } = ownedByStack({ pod: samplePod(config, attachments.map((nad) => nad.config)) });

    this.pod = new k8s.core.v1.Pod(logicalName(pod), kubeArgs(pod), {
      ...childOptions(this, opts)(),
      // Multus reads the networks annotation and the NADs only when a pod is created, so a change
      // to either (the annotations carry both) replaces the pod; its fixed name means delete first.
      replaceOnChanges: ["metadata.annotations"],
      deleteBeforeReplace: true,
      customTimeouts: awaitTimeouts(config.timeoutSeconds),
    });
    this.networks = pod.metadata.annotations![networksAnnotation];

    this.registerOutputs({ pod: this.pod.metadata.name, networks: this.networks });
  }
}
