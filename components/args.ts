import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { formatConfigErrors, validateSection } from "../lib/config";
import { withInstance, type ObjectMeta } from "../lib/build/objects";

/**
 * Validates a component's arguments with the stack schema's section for them and fills defaults,
 * so a component built outside index.ts gets the same checks; bad arguments are a ResourceError.
 */
export function componentArgs<S extends z.ZodType>(
  resource: pulumi.Resource, key: Array<string | number>, schema: S, args: unknown,
): z.output<S> {
  const result = validateSection(key, schema, args);
  if (!result.ok) throw new pulumi.ResourceError(formatConfigErrors(result.errors), resource);
  return result.value;
}

/**
 * Hands a builder's object to a @pulumi/kubernetes constructor. Both type the same OpenAPI schema,
 * but differ in details (quantities, int-or-string), so the boundary is a cast; the objects
 * themselves are checked against the Kubernetes OpenAPI schema in the tests.
 */
export function kubeArgs<T>(object: { apiVersion?: string; kind?: string; metadata?: unknown }): T {
  return object as unknown as T;
}

/**
 * Options for a component's children: parented to it, depending on what the component depends on
 * plus their own dependencies. Children do not inherit a component's dependsOn; recording it on
 * them keeps destroy and `--target` in order too. Components take `dependsOn` as an array.
 * The component's `onError` hooks go to its children too: the engine runs error hooks around
 * provider operations, which a component has none of (pulumi/pulumi 1b5949891b
 * pkg/resource/deploy/step.go:346, `if s.new.Custom`); components/awaitDiagnosis.ts.
 */
export function childOptions(parent: pulumi.Resource, opts: pulumi.ComponentResourceOptions | undefined) {
  const dependsOn = opts?.dependsOn;
  const inherited = dependsOn === undefined ? [] : Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>];
  const onError = opts?.hooks?.onError;
  const hooks = onError?.length ? { hooks: { onError } } : {};
  return (...own: pulumi.Input<pulumi.Resource>[]): pulumi.CustomResourceOptions => ({ parent, dependsOn: [...inherited, ...own], ...hooks });
}

/**
 * `customTimeouts` for a resource the provider waits on (DaemonSet rollouts, the Calico patch, the
 * pod). A resource's custom timeout takes precedence over the `pulumi.com/timeoutSeconds`
 * annotation and the 10-minute default (pulumi-kubernetes provider/pkg/metadata/overrides.go:53-66,
 * used by await.Creation and await.Update, provider/pkg/await/await.go:306-309 and 491-494).
 */
export function awaitTimeouts(seconds: number): pulumi.CustomTimeouts {
  return { create: `${seconds}s`, update: `${seconds}s` };
}

/**
 * A builder's objects, each labelled with the stack that creates it (`app.kubernetes.io/instance`),
 * so the preflight of another stack can tell whose an existing object is. `except`: objects no
 * stack owns alone.
 */
export function ownedByStack<T extends object>(objects: T, except: Array<keyof T> = []): T {
  const stack = pulumi.getStack();
  return Object.fromEntries(Object.entries(objects).map(([key, value]) => [key,
    value && typeof value === "object" && "metadata" in value && !except.includes(key as keyof T)
      ? withInstance(value as { metadata: ObjectMeta }, stack)
      : value])) as T;
}
