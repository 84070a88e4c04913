/**
 * Pod settings several sections share: resource requests and limits, and where a DaemonSet's pods
 * may run (tolerations, node selector, priority).
 */
import { z } from "zod";
import { quantity, quantityValue, strict } from "./values";

/** `resources` of a container (`of` names it in the reference), with that container's defaults. */
export const resourcesSchema = (of: string, defaults: { cpu: string; memory: string; memoryLimit: string }) =>
  strict({
    requests: strict({
      cpu: quantity.default(defaults.cpu).meta({ description: `CPU request of ${of}` }),
      memory: quantity.default(defaults.memory).meta({ description: `memory request of ${of}` }),
    }).prefault({}),
    limits: strict({
      cpu: quantity.optional().meta({ description: `CPU limit of ${of}` }),
      memory: quantity.default(defaults.memoryLimit).meta({ description: `memory limit of ${of}` }),
    }).prefault({}),
  }).superRefine(({ requests, limits }, ctx) => {
    // Kubernetes rejects a pod whose request exceeds its limit; say so before it is created.
    for (const resource of ["cpu", "memory"] as const) {
      const limit = limits[resource];
      if (limit !== undefined && quantityValue(requests[resource]) > quantityValue(limit)) {
        ctx.addIssue({ code: "custom", path: ["requests", resource], message: `is more than limits.${resource} "${limit}"; allowed: at most the limit` });
      }
    }
  }).prefault({});

const tolerationSchema = strict({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

/** Where a DaemonSet's pods run; `why` says why the default tolerations are what they are. */
export const schedulingFields = (defaultTolerations: z.infer<typeof tolerationSchema>[], why = "") => ({
  tolerations: z.array(tolerationSchema).default(defaultTolerations).meta({ description: `tolerations of the DaemonSet's pods${why}` }),
  nodeSelector: z.record(z.string(), z.string()).default({ "kubernetes.io/os": "linux" }).meta({ description: "node selector of the DaemonSet's pods" }),
  priorityClassName: z.string().default("system-node-critical").meta({ description: "priority class of the DaemonSet's pods" }),
});
