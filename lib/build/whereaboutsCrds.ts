/**
 * whereabouts' three CRDs (v1alpha1), as doc/crds/whereabouts.cni.cncf.io_*.yaml at v0.9.4 define
 * them, without the descriptions; test/upstream.test.ts compares them with those files.
 */
import type { IJSONSchemaProps } from "kubernetes-models/apiextensions.k8s.io/v1/JSONSchemaProps";
import { commonLabels, type Crd } from "./objects";

const group = "whereabouts.cni.cncf.io";
const text: IJSONSchemaProps = { type: "string" };
const object = (properties: Record<string, IJSONSchemaProps>, required?: string[]): IJSONSchemaProps =>
  ({ type: "object", properties, ...(required ? { required } : {}) });

function crd(kind: string, spec: IJSONSchemaProps, extra: Record<string, IJSONSchemaProps> = {}, required?: string[]): Crd {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    // multinet's labels mark the CRDs as its own (the preflight tells them from another installation's).
    metadata: { name: `${plural}.${group}`, labels: commonLabels("whereabouts"), annotations: { "controller-gen.kubebuilder.io/version": "v0.14.0" } },
    spec: {
      group,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: "Namespaced",
      versions: [{
        name: "v1alpha1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: object({ apiVersion: text, kind: text, metadata: { type: "object" }, spec, ...extra }, required),
        },
      }],
    },
  };
}

export function whereaboutsCrds(): Crd[] {
  return [
    crd("IPPool", object({
      allocations: { type: "object", additionalProperties: object({ id: text, ifname: text, podref: text }, ["id", "podref"]) },
      range: text,
    }, ["allocations", "range"])),
    crd("OverlappingRangeIPReservation", object({ containerid: text, ifname: text, podref: text }, ["podref"]), {}, ["spec"]),
    crd("NodeSlicePool", object({ range: text, sliceSize: text }, ["range", "sliceSize"]), {
      status: object({ allocations: { type: "array", items: object({ nodeName: text, sliceRange: text }, ["nodeName", "sliceRange"]) } }, ["allocations"]),
    }),
  ];
}
