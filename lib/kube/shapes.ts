/**
 * The shape of every object the verifier reads, checked where it enters (lib/kube/reads.ts) so the
 * judging (lib/verify/) only ever sees the types it was written for. Each schema covers the fields
 * some check reads, with their types; other fields pass through untouched. An answer of another
 * shape is one sentence naming the object and the first wrong field, never a JavaScript error
 * further in.
 */
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import { z } from "zod";
import type { PodEvent } from "../verify/events";
import type { ApiObject } from "../verify/snapshot";

const text = z.string();
const strings = z.record(z.string(), z.string());
const loose = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

const metadata = loose({
  name: text.optional(),
  namespace: text.optional(),
  uid: text.optional(),
  generation: z.number().optional(),
  labels: strings.optional(),
  annotations: strings.optional(),
  deletionTimestamp: text.optional(),
  ownerReferences: z.array(loose({ uid: text.optional() })).optional(),
  managedFields: z.array(loose({ manager: text.optional() })).optional(),
});

const conditions = z.array(loose({ type: text.optional(), status: text.optional() }));

const toleration = loose({ key: text.optional(), operator: text.optional(), value: text.optional(), effect: text.optional() });

const podSpec = loose({
  nodeName: text.optional(),
  nodeSelector: strings.optional(),
  tolerations: z.array(toleration).optional(),
  hostNetwork: z.boolean().optional(),
  containers: z.array(loose({
    name: text,
    env: z.array(loose({ name: text, value: text.optional() })).optional(),
  })).default([]),
});

const node = loose({
  metadata: metadata.optional(),
  spec: loose({
    podCIDR: text.optional(),
    podCIDRs: z.array(text).optional(),
    unschedulable: z.boolean().optional(),
    taints: z.array(loose({ key: text.optional(), value: text.optional(), effect: text.optional() })).optional(),
  }).optional(),
  status: loose({
    conditions: conditions.optional(),
    addresses: z.array(loose({ type: text.optional(), address: text.optional() })).optional(),
  }).optional(),
});

const daemonSet = loose({
  metadata: metadata.optional(),
  spec: loose({
    selector: loose({ matchLabels: strings.optional() }).default({}),
    template: loose({ metadata: metadata.optional(), spec: podSpec.optional() }).default({}),
  }).optional(),
  status: loose({
    observedGeneration: z.number().optional(),
    desiredNumberScheduled: z.number().optional(),
    updatedNumberScheduled: z.number().optional(),
    numberAvailable: z.number().optional(),
    numberReady: z.number().optional(),
  }).optional(),
});

const pod = loose({
  metadata: metadata.optional(),
  spec: podSpec.optional(),
  status: loose({
    phase: text.optional(),
    conditions: conditions.optional(),
    podIP: text.optional(),
    containerStatuses: z.array(loose({
      name: text.optional(),
      ready: z.boolean().optional(),
      state: loose({ waiting: loose({ reason: text.optional(), message: text.optional() }).optional() }).optional(),
    })).optional(),
  }).optional(),
});

const event = loose({
  reason: text.optional(),
  message: text.optional(),
  involvedObject: loose({ uid: text.optional() }).optional(),
  eventTime: text.optional(),
  lastTimestamp: text.optional(),
  firstTimestamp: text.optional(),
  series: loose({ lastObservedTime: text.optional() }).optional(),
});

const apiObject = loose({
  apiVersion: text.optional(),
  kind: text.optional(),
  metadata: metadata.optional(),
  spec: z.record(z.string(), z.unknown()).optional(),
});

/** Any object, of which only the metadata is read (a Namespace, an object multinet would create). */
const withMetadata = loose({ metadata: metadata.optional() });

const list = <T extends z.ZodType>(item: T) => loose({ items: z.array(item).default([]) });

/** A schema with the type the judging uses (the kubernetes-models interfaces, this module's own). */
export interface Shape<T> {
  /** `a Node list`, for the message. */
  name: string;
  schema: z.ZodType;
  /** Only for the type: never read. */
  readonly type?: T;
}

const shape = <T>(name: string, schema: z.ZodType): Shape<T> => ({ name, schema });

export const shapes = {
  node: shape<INode>("a Node", node),
  nodeList: shape<{ items: INode[] }>("a Node list", list(node)),
  daemonSet: shape<IDaemonSet>("a DaemonSet", daemonSet),
  pod: shape<IPod>("a Pod", pod),
  podList: shape<{ items: IPod[] }>("a Pod list", list(pod)),
  eventList: shape<{ items: PodEvent[] }>("an Event list", list(event)),
  object: shape<ApiObject>("a Kubernetes object", apiObject),
  objectList: shape<{ items: ApiObject[] }>("a list of Kubernetes objects", list(apiObject)),
  namespaceList: shape<{ items: INamespace[] }>("a Namespace list", list(withMetadata)),
  metadataOf: shape<{ metadata?: { labels?: Record<string, string>; managedFields?: Array<{ manager?: string }> } }>("a Kubernetes object", withMetadata),
};

/**
 * JSON `null` is read as absent, as the API server and kubectl read it: Go's encoding/json
 * (`Unmarshal`'s documentation) leaves a map, slice, pointer or interface field nil for a null.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

/** `spec.taints[0].effect: expected string, got number` for the first problem, and how many more. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const [first] = issues;
  const where = first.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("") || "(the whole answer)";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  return `${where}: ${first.message}${more}`;
}

/** The value in the shape the judging expects, or why it is not one. */
export function parseShape<T>(value: unknown, expected: Shape<T>): { value: T } | { problem: string } {
  let result;
  try {
    result = expected.schema.safeParse(withoutNulls(value));
  } catch {
    // Only a stack overflow gets here: JSON nested deeper than any object the checks read.
    return { problem: `the API server's answer is not ${expected.name}: it is nested too deeply to read` };
  }
  if (result.success) return { value: result.data as T };
  return { problem: `the API server's answer is not ${expected.name}: ${describeIssues(result.error.issues)}` };
}
