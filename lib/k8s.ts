/**
 * Shared shapes for the Kubernetes objects the builders return. The object types come from
 * kubernetes-models (generated from the Kubernetes OpenAPI schema) so a builder cannot invent a field.
 */
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import type { IIoK8sApiCoreV1ResourceRequirements as ResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { ResourcesConfig } from "./config";

export type { ObjectMeta };

/** Any object multinet declares: always named, so Pulumi never adds a random suffix. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** A kubernetes-models object type with a mandatory name (and namespace, for namespaced kinds). */
export type Named<T, Namespaced extends boolean = true> = T & {
  metadata: Namespaced extends true ? { name: string; namespace: string } : { name: string };
};

/** Labels on every object multinet creates. */
export function commonLabels(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "multinet",
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

export function resourceRequirements(resources: ResourcesConfig): ResourceRequirements {
  return {
    requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
    limits: {
      ...(resources.limits.cpu ? { cpu: resources.limits.cpu } : {}),
      memory: resources.limits.memory,
    },
  };
}

/** Pulumi's logical name for an object: `namespace/name`, or `name` for cluster-scoped kinds. */
export function logicalName(object: { metadata: { name: string; namespace?: string } }): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}
