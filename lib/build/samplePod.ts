/**
 * The sample pod: proof that a pod gets eth0 from the primary network and net1… from its NADs.
 */
import type { IPod } from "kubernetes-models/v1/Pod";
import { networksAnnotation, networksAnnotationValue, type SamplePodConfig } from "../config";
import { commonLabels, configHash, resourceRequirements, type Named } from "./objects";

/** Hash of the configs of the NADs the pod uses: Multus reads them only when a pod is created. */
export const attachmentsHashAnnotation = "multinet/attachments-hash";

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
