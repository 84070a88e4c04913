/**
 * The MultiNetworkPolicy CRD as k8snetworkplumbingwg/multi-networkpolicy's scheme.yml (commit
 * f1873dc3) defines it: NetworkPolicy's spec under group k8s.cni.cncf.io, v1beta1 served and stored,
 * v1beta2 (which adds endPort) declared but not served. Built from the shared parts, without the
 * descriptions; test/upstream.test.ts compares it with that file.
 */
import type { IJSONSchemaProps } from "kubernetes-models/apiextensions.k8s.io/v1/JSONSchemaProps";
import type { Crd } from "./objects";

const text: IJSONSchemaProps = { type: "string" };
const list = (items: IJSONSchemaProps): IJSONSchemaProps => ({ type: "array", items });
const object = (properties: Record<string, IJSONSchemaProps>, required?: string[]): IJSONSchemaProps =>
  ({ type: "object", properties, ...(required ? { required } : {}) });

const labelSelector = object({
  matchExpressions: list(object({ key: text, operator: text, values: list(text) }, ["key", "operator"])),
  matchLabels: { type: "object", additionalProperties: text },
});

const peer = object({
  ipBlock: object({ cidr: text, except: list(text) }, ["cidr"]),
  namespaceSelector: labelSelector,
  podSelector: labelSelector,
});

function specSchema(withEndPort: boolean): IJSONSchemaProps {
  const ports = list(object({
    ...(withEndPort ? { endPort: { type: "integer" } } : {}),
    port: { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true },
    protocol: text,
  }));
  return {
    type: "object",
    properties: {
      spec: object({
        egress: list(object({ ports, to: list(peer) })),
        ingress: list(object({ from: list(peer), ports })),
        podSelector: labelSelector,
        policyTypes: list(text),
      }, ["podSelector"]),
    },
  };
}

export const multiNetworkPolicyApiVersion = "k8s.cni.cncf.io/v1beta1";

export function multiNetworkPolicyCrd(labels: Record<string, string>): Crd {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "multi-networkpolicies.k8s.cni.cncf.io", labels },
    spec: {
      group: "k8s.cni.cncf.io",
      scope: "Namespaced",
      names: { plural: "multi-networkpolicies", singular: "multi-networkpolicy", kind: "MultiNetworkPolicy", shortNames: ["multi-policy"] },
      versions: [
        { name: "v1beta1", served: true, storage: true, schema: { openAPIV3Schema: specSchema(false) } },
        { name: "v1beta2", served: false, storage: false, schema: { openAPIV3Schema: specSchema(true) } },
      ],
    },
  };
}
