/**
 * Pod settings several sections share: resource requests and limits, and where a DaemonSet's pods
 * may run (tolerations, node selector, priority).
 */
import { z } from "zod";
import { nodeSelector, priorityClassName, quantity, quantityProblem, quantityValue, toleration } from "./kubernetes";
import { strict } from "./values";

/** `resources` of a container (`of` names it in the reference), with that container's defaults. */
export const resourcesSchema = (of: string, defaults: { cpu: string; memory: string; memoryLimit: string }) =>
  strict({
    requests: strict({
      cpu: quantity("cpu").default(defaults.cpu).meta({ description: `CPU request of ${of}` }),
      memory: quantity("memory").default(defaults.memory).meta({ description: `memory request of ${of}` }),
    }).prefault({}),
    limits: strict({
      cpu: quantity("cpu").optional().meta({ description: `CPU limit of ${of}` }),
      memory: quantity("memory").refine((text) => (quantityValue(text) ?? 1) > 0, { message: "must be more than 0; every container has a memory limit" }).default(defaults.memoryLimit).meta({ description: `memory limit of ${of}` }),
    }).prefault({}),
  }).superRefine(({ requests, limits }, ctx) => {
    // Kubernetes rejects a pod whose request exceeds its limit; say so before it is created.
    for (const resource of ["cpu", "memory"] as const) {
      const [request, limit] = [requests[resource], limits[resource]];
      if (limit === undefined || quantityProblem(resource, request) || quantityProblem(resource, limit)) continue;
      if (quantityValue(request)! > quantityValue(limit)!) {
        ctx.addIssue({ code: "custom", path: ["requests", resource], input: request, message: `is more than limits.${resource} "${limit}"; allowed: at most the limit` });
      }
    }
  }).prefault({});

/** Where a DaemonSet's pods run; `why` says why the default tolerations are what they are. */
export const schedulingFields = (defaultTolerations: z.input<typeof toleration>[], why = "") => ({
  tolerations: z.array(toleration).default(defaultTolerations).meta({ description: `tolerations of the DaemonSet's pods${why}; checked as the API server checks them (a key is a qualified name, no key needs \`operator: Exists\`, \`Exists\` takes no value, \`tolerationSeconds\` only with \`NoExecute\`)` }),
  nodeSelector: nodeSelector.default({ "kubernetes.io/os": "linux" }).meta({ description: "node selector of the DaemonSet's pods: label keys (qualified names) to label values" }),
  priorityClassName: priorityClassName.default("system-node-critical").meta({ description: "priority class of the DaemonSet's pods (a DNS-1123 subdomain)" }),
});
