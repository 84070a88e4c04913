/**
 * The sample pod: proof that a pod gets eth0 from the primary network and net1… from its NADs.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import type { SamplePodConfig } from "./config";
import { commonLabels, resourceRequirements, type Named } from "./k8s";

export const networksAnnotation = "k8s.v1.cni.cncf.io/networks";
export const networkStatusAnnotation = "k8s.v1.cni.cncf.io/network-status";

export type NetworkReference = SamplePodConfig["networks"][number];

/**
 * The `k8s.v1.cni.cncf.io/networks` value in its short form: `name`, `namespace/name`,
 * `name@ifname`. The namespace is written only when it differs from the pod's.
 */
export function networksAnnotationValue(networks: NetworkReference[], podNamespace: string): string {
  return networks
    .map((ref) => {
      const namespace = ref.namespace && ref.namespace !== podNamespace ? `${ref.namespace}/` : "";
      const ifname = ref.interface ? `@${ref.interface}` : "";
      return `${namespace}${ref.name}${ifname}`;
    })
    .join(",");
}

/** The interface name each attachment gets inside the pod: its own, or net1, net2, … by position. */
export function attachmentInterfaces(networks: NetworkReference[]): string[] {
  return networks.map((ref, i) => ref.interface ?? `net${i + 1}`);
}

export function samplePod(config: SamplePodConfig): Named<IPod> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: config.name,
      namespace: config.namespace,
      labels: { ...commonLabels("sample-pod"), app: config.name },
      annotations: { [networksAnnotation]: networksAnnotationValue(config.networks, config.namespace) },
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
