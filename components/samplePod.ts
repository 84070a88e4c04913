import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { samplePodSchema } from "../lib/config";
import { logicalName } from "../lib/k8s";
import { networksAnnotation, samplePod } from "../lib/samplePod";
import { componentArgs, kubeArgs } from "./args";

/**
 * Sample pod options (stack key `multinet:samplePod`): name multinet-sample in namespace default,
 * the pinned nginx image, and the NADs to attach (at least one; net1, net2, … in order).
 */
export type SamplePodArgs = z.input<typeof samplePodSchema>;

/** A pod that asks Multus for extra interfaces, to show (and verify) the attachments. */
export class SamplePod extends pulumi.ComponentResource {
  public readonly pod: k8s.core.v1.Pod;
  /** The `k8s.v1.cni.cncf.io/networks` annotation the pod carries. */
  public readonly networks: string;

  /** Pass Multus, Flannel and the NADs the pod uses in `opts.dependsOn`. */
  constructor(name: string, args: SamplePodArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:SamplePod", name, {}, opts);
    const config = componentArgs(this, ["samplePod"], samplePodSchema, args);
    const pod = samplePod(config);

    // Children do not inherit the component's dependsOn; forwarding it records the order for destroy too.
    this.pod = new k8s.core.v1.Pod(logicalName(pod), kubeArgs(pod), { parent: this, dependsOn: opts?.dependsOn });
    this.networks = pod.metadata.annotations![networksAnnotation];

    this.registerOutputs({ pod: this.pod.metadata.name, networks: this.networks });
  }
}
