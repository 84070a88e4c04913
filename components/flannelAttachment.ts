import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { flannelSchema } from "../lib/config";
import { flannelImage, flannelObjects } from "../lib/build/flannel";
import { logicalName } from "../lib/build/objects";
import { awaitTimeouts, childOptions, componentArgs, kubeArgs, ownedByStack } from "./args";

/**
 * Flannel options (stack key `multinet:flannel`); every field is optional. Meanings and defaults:
 * docs/configuration.md.
 */
export type FlannelAttachmentArgs = z.input<typeof flannelSchema>;

/** flanneld as an attachment network: it never installs a CNI config into /etc/cni/net.d. */
export class FlannelAttachment extends pulumi.ComponentResource {
  /** The DaemonSet; Pulumi waits for its rollout: every flanneld ready, i.e. its subnet.env written (/readyz). */
  public readonly daemonSet: k8s.apps.v1.DaemonSet;
  /** The namespace, when it is multinet's own (`createNamespace`). */
  public readonly namespace?: k8s.core.v1.Namespace;
  public readonly image: string;
  public readonly network: string;

  constructor(name: string, args: FlannelAttachmentArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:FlannelAttachment", name, {}, opts);
    const config = componentArgs(this, ["flannel"], flannelSchema, args);
    const objects = ownedByStack(flannelObjects(config));

    const child = childOptions(this, opts);

    // Only a namespace that is multinet's own is created (and so deleted on destroy); any other one
    // must exist, which the preflight checks.
    const namespace = config.createNamespace
      ? [new k8s.core.v1.Namespace(logicalName(objects.namespace), objects.namespace, child())]
      : [];
    this.namespace = namespace[0];
    const serviceAccount = new k8s.core.v1.ServiceAccount(logicalName(objects.serviceAccount), objects.serviceAccount, child(...namespace));
    const clusterRole = new k8s.rbac.v1.ClusterRole(logicalName(objects.clusterRole), objects.clusterRole, child());
    const binding = new k8s.rbac.v1.ClusterRoleBinding(logicalName(objects.clusterRoleBinding), objects.clusterRoleBinding,
      child(clusterRole, serviceAccount));
    const netConf = objects.netConf.kind === "Secret"
      // The WireGuard pre-shared key stays encrypted in Pulumi's state.
      ? new k8s.core.v1.Secret(logicalName(objects.netConf), { ...objects.netConf, stringData: pulumi.secret(objects.netConf.stringData ?? {}) }, child(...namespace))
      : new k8s.core.v1.ConfigMap(logicalName(objects.netConf), objects.netConf, child(...namespace));
    this.daemonSet = new k8s.apps.v1.DaemonSet(logicalName(objects.daemonSet), kubeArgs(objects.daemonSet),
      { ...child(...namespace, binding, netConf), customTimeouts: awaitTimeouts(config.timeoutSeconds) });
    this.image = flannelImage(config);
    this.network = config.network;

    this.registerOutputs({ image: this.image, network: this.network, daemonSet: this.daemonSet.metadata.name });
  }
}
