/**
 * Shared shapes for the Kubernetes objects the builders return. The object types come from
 * kubernetes-models (generated from the Kubernetes OpenAPI schema) so a builder cannot invent a field.
 */
import type { ICustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { createHash } from "node:crypto";
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IIoK8sApiCoreV1ResourceRequirements as ResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IPolicyRule } from "kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule";
import type { ResourcesConfig } from "../config";

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

export interface ServiceAccountRbac {
  serviceAccount: Named<IServiceAccount>;
  clusterRole: Named<IClusterRole, false>;
  clusterRoleBinding: Named<IClusterRoleBinding, false>;
}

/** A ServiceAccount bound to a ClusterRole of the same name. */
export function serviceAccountRbac(name: string, namespace: string, labels: Record<string, string>, rules: IPolicyRule[]): ServiceAccountRbac {
  return {
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels } },
    clusterRole: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name, labels }, rules },
    clusterRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  };
}

/** Pod-template annotation that changes with the agent's config file, so a new config rolls the pods. */
export const configHashAnnotation = "multinet/config-hash";

/** sha256 of config text, short enough to read in a diff. */
export function configHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** A CustomResourceDefinition as the builders write it (cluster-scoped). */
export type Crd = Named<ICustomResourceDefinition, false>;

export type NodeDaemonSet = Named<IDaemonSet> & Required<Pick<IDaemonSet, "spec">>;

/** Where a node agent runs: the scheduling keys Multus and Flannel share in the stack config. */
export interface NodeScheduling {
  tolerations: IToleration[];
  nodeSelector: Record<string, string>;
  priorityClassName: string;
  /** Nodes whose pods a rolling update replaces at a time. */
  maxUnavailable: number | string;
}

/**
 * A host-network DaemonSet for a node agent, rolled out node by node. `selector` must be a subset
 * of `labels`; `podSpec` holds what differs between agents (containers, volumes, service account).
 * Agents read their config once, so `configText` makes a config change restart them.
 */
export function nodeDaemonSet(args: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  scheduling: NodeScheduling;
  /** The config file the agent reads once at start; its hash goes on the pod template. */
  configText?: string;
  podSpec: Omit<IPodSpec, "hostNetwork" | "nodeSelector" | "tolerations" | "priorityClassName">;
}): NodeDaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
    spec: {
      selector: { matchLabels: args.selector },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: args.scheduling.maxUnavailable } },
      template: {
        metadata: {
          labels: args.labels,
          ...(args.configText !== undefined ? { annotations: { [configHashAnnotation]: configHash(args.configText) } } : {}),
        },
        spec: {
          hostNetwork: true,
          priorityClassName: args.scheduling.priorityClassName,
          nodeSelector: args.scheduling.nodeSelector,
          tolerations: args.scheduling.tolerations,
          ...args.podSpec,
        },
      },
    },
  };
}

/** Label naming the stack whose `pulumi up` created an object, so another stack's preflight can tell. */
export const instanceLabel = "app.kubernetes.io/instance";

/** The object with the creating stack's name among its own labels (not a pod template's: selectors stay put). */
export function withInstance<T extends { metadata: ObjectMeta }>(object: T, stack: string): T {
  return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, [instanceLabel]: stack } } };
}
