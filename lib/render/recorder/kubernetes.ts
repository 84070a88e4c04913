/**
 * What `npm run render`'s bundle loads in place of @pulumi/kubernetes (see ./pulumi.ts): every
 * `k8s.<group>.<version>.<Kind>` class and `k8s.apiextensions.CustomResource[Patch]`, registering
 * the type token and inputs the real classes of @pulumi/kubernetes 4.34 register. Any kind works;
 * test/recorder.test.ts proves the result equal to the real SDK's for every stack.
 */
import { CustomResource, secret, type ResourceOptions } from "./pulumi";

type Args = Record<string, unknown>;

/**
 * The API group of a @pulumi/kubernetes namespace, as in the classes' type tokens: most are
 * `<namespace>.k8s.io` (e.g. `kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition`), the
 * built-in groups without a domain keep their name, and two are longer (rbac/v1/clusterRole.js:
 * `kubernetes:rbac.authorization.k8s.io/v1:ClusterRole`; flowcontrol/v1/flowSchema.js).
 */
function apiGroup(namespace: string): string {
  const special: Record<string, string> = {
    rbac: "rbac.authorization.k8s.io",
    flowcontrol: "flowcontrol.apiserver.k8s.io",
  };
  const withoutDomain = ["core", "apps", "batch", "autoscaling", "policy", "extensions"];
  return special[namespace] ?? (withoutDomain.includes(namespace) ? namespace : `${namespace}.k8s.io`);
}

/**
 * Inputs as a typed class builds them: its apiVersion and kind, whatever the args say; a Secret's
 * `data` and `stringData` wrapped as secrets (core/v1/secret.js lines 80 and 84).
 */
function typedInputs(group: string, version: string, kind: string, args: Args): Args {
  const inputs: Args = { ...args, apiVersion: group === "core" ? version : `${group}/${version}`, kind };
  if (group === "core" && kind === "Secret") {
    for (const key of ["data", "stringData"]) if (args[key]) inputs[key] = secret(args[key]);
  }
  return inputs;
}

/** A Secret's outputs `data` and `stringData` are secret too (core/v1/secret.js lines 97-98). */
function typedOptions(group: string, kind: string, opts: ResourceOptions = {}): ResourceOptions {
  if (group !== "core" || kind !== "Secret") return opts;
  return { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "data", "stringData"] };
}

function typedClass(group: string, version: string, className: string) {
  const kind = className.replace(/Patch$/, "");
  return class extends CustomResource {
    constructor(name: string, args: Args = {}, opts?: ResourceOptions) {
      super(`kubernetes:${group}/${version}:${className}`, name, typedInputs(group, version, kind, args), typedOptions(group, kind, opts), ["status"]);
    }
  };
}

/** apiextensions/customResource.js: type `kubernetes:<apiVersion>:<kind>`, every arg an input. */
class CustomResourceObject extends CustomResource {
  constructor(name: string, args: Args, opts?: ResourceOptions, suffix = "") {
    super(`kubernetes:${String(args.apiVersion)}:${String(args.kind)}${suffix}`, name, { ...args }, opts);
  }
}

/** apiextensions/customResourcePatch.js: the same with `Patch` appended to the type. */
class CustomResourcePatch extends CustomResourceObject {
  constructor(name: string, args: Args, opts?: ResourceOptions) {
    super(name, args, opts, "Patch");
  }
}

/** `k8s.<namespace>` → `{ v1: { Kind: class } }`, built on first use and kept. */
function namespaceOf(namespace: string): object {
  const versions = new Map<string, Record<string, unknown>>();
  const extra: Record<string, unknown> = namespace === "apiextensions" ? { CustomResource: CustomResourceObject, CustomResourcePatch } : {};
  return new Proxy(extra, {
    get(target, version) {
      if (typeof version !== "string" || version in target) return Reflect.get(target, version);
      if (!versions.has(version)) {
        const classes = new Map<string, unknown>();
        versions.set(version, new Proxy({}, {
          get(_, className) {
            if (typeof className !== "string") return undefined;
            if (!classes.has(className)) classes.set(className, typedClass(apiGroup(namespace), version, className));
            return classes.get(className);
          },
        }));
      }
      return versions.get(version);
    },
  });
}

// The namespaces the SDK exports (its index.ts); each resolves its versions and kinds lazily.
export const admissionregistration = namespaceOf("admissionregistration");
export const apiextensions = namespaceOf("apiextensions");
export const apiregistration = namespaceOf("apiregistration");
export const apps = namespaceOf("apps");
export const autoscaling = namespaceOf("autoscaling");
export const batch = namespaceOf("batch");
export const certificates = namespaceOf("certificates");
export const coordination = namespaceOf("coordination");
export const core = namespaceOf("core");
export const discovery = namespaceOf("discovery");
export const events = namespaceOf("events");
export const flowcontrol = namespaceOf("flowcontrol");
export const networking = namespaceOf("networking");
export const node = namespaceOf("node");
export const policy = namespaceOf("policy");
export const rbac = namespaceOf("rbac");
export const resource = namespaceOf("resource");
export const scheduling = namespaceOf("scheduling");
export const storage = namespaceOf("storage");
