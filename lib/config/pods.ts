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

/**
 * How long Pulumi waits for a resource to become ready (`customTimeouts` of its create and update;
 * the provider's own default is 10 minutes), with what the wait covers.
 */
export const timeoutSecondsSchema = (waitsFor: string) =>
  z.number().int().min(30).max(7200).default(600).meta({
    description: `30–7200; how long \`pulumi up\` waits for ${waitsFor} before it fails (then run \`npm run verify\`)`,
  });

/** `maxUnavailable` of a DaemonSet's rolling update: a count of nodes or a percentage. */
export const maxUnavailableSchema = z.union([
  z.number().int().min(1),
  z.string().regex(/^(100|[1-9]\d?)%$/, "must be a whole number of nodes (at least 1) or a percentage such as 10%"),
]).default(1).meta({
  description: "how many nodes' pods a rolling update replaces at a time: a count (at least 1) or a percentage such as `10%` (Kubernetes' default is 1)",
});
