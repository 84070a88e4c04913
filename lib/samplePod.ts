/**
 * The sample pod: proof that a pod gets eth0 from the primary network and net1… from its NADs.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import type { SamplePodConfig } from "./config";
import { commonLabels, configHash, resourceRequirements, type Named } from "./k8s";

export const networksAnnotation = "k8s.v1.cni.cncf.io/networks";
export const networkStatusAnnotation = "k8s.v1.cni.cncf.io/network-status";
/** Hash of the configs of the NADs the pod uses: Multus reads them only when a pod is created. */
export const attachmentsHashAnnotation = "multinet/attachments-hash";

export type NetworkReference = SamplePodConfig["networks"][number];

/**
 * The `k8s.v1.cni.cncf.io/networks` value: the short form (`name`, `namespace/name`,
 * `name@ifname`), or the JSON form when a reference carries its own addresses (`ips`), which the
 * short form cannot express. The namespace is written only when it differs from the pod's.
 */
export function networksAnnotationValue(networks: NetworkReference[], podNamespace: string): string {
  const namespaceOf = (ref: NetworkReference) => (ref.namespace && ref.namespace !== podNamespace ? ref.namespace : undefined);
  if (networks.some((ref) => ref.ips)) {
    return JSON.stringify(networks.map((ref) => ({
      name: ref.name,
      ...(namespaceOf(ref) ? { namespace: namespaceOf(ref) } : {}),
      ...(ref.interface ? { interface: ref.interface } : {}),
      ...(ref.ips ? { ips: ref.ips } : {}),
    })));
  }
  return networks
    .map((ref) => `${namespaceOf(ref) ? `${namespaceOf(ref)}/` : ""}${ref.name}${ref.interface ? `@${ref.interface}` : ""}`)
    .join(",");
}

/** `namespace/name` of the NAD a reference names; the namespace defaults to the pod's. */
export function nadReference(ref: NetworkReference, podNamespace: string): string {
  return `${ref.namespace ?? podNamespace}/${ref.name}`;
}

/** The interface name each attachment gets inside the pod: its own, or net1, net2, … by position. */
export function attachmentInterfaces(networks: NetworkReference[]): string[] {
  return networks.map((ref, i) => ref.interface ?? `net${i + 1}`);
}

/**
 * The sample pod. `attachmentConfigs` are the `spec.config` texts of the NADs it uses, in order:
 * their hash on the pod makes a NAD change replace the pod, which is the only way it takes effect.
 */
export function samplePod(config: SamplePodConfig, attachmentConfigs: readonly string[]): Named<IPod> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: config.name,
      namespace: config.namespace,
      labels: { ...commonLabels("sample-pod"), app: config.name },
      annotations: {
        [networksAnnotation]: networksAnnotationValue(config.networks, config.namespace),
        [attachmentsHashAnnotation]: configHash(JSON.stringify(attachmentConfigs)),
      },
    },
    spec: {
      containers: [{
        name: "sample",
        image: config.image,
        ports: [{ name: "http", containerPort: 80 }],
        resources: resourceRequirements(config.resources),
      }],
    },
  };
}
