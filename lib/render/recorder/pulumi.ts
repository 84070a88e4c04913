/**
 * What `npm run render`'s bundle (dist/render.js) loads in place of @pulumi/pulumi: the part of the
 * SDK the program uses, recording each registration synchronously instead of sending it to an
 * engine. The real SDK costs about 0.5 s to load (module resolution, a stack trace captured for
 * every promise); this costs nothing. It is only ever bundled or mocked in (lib/render/recorder/
 * redirects.json), never imported by the program, and test/recorder.test.ts proves that it
 * registers exactly what the real SDK does under the mock runtime, for every stack.
 *
 * The wire format follows @pulumi/pulumi 3.248 runtime/rpc.js: secrets reach the engine as
 * `{ [specialSigKey]: specialSecretSig, value }` (lines 276, 297, 680-684), values not known during
 * a preview as `unknownValue` (line 269), and undefined properties are left out.
 */
import type { RegisteredResource } from "../programRun";

const specialSigKey = "4dabf18193072939515e22adb298388d";
const specialSecretSig = "1b47061264138c4ac30d75fd1eb44270";
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The run in progress: config in, registrations out (lib/render/recorder/run.ts owns it). */
export const recording = {
  project: "multinet",
  stack: "test",
  config: {} as Record<string, string>,
  secretKeys: [] as string[],
  registrations: [] as RegisteredResource[],
  urns: new Set<string>(),
};

/** A value that may be unknown until deployment and may be secret; property access is lifted. */
export class Output<T> {
  /** `resources`: the resources whose outputs this derives from (implicit dependencies). */
  constructor(readonly known: boolean, readonly value: T | undefined, readonly isSecret: boolean, readonly resources: Resource[] = []) {
    // Like the SDK's outputs, `output.a.b` is the output of `value.a.b`.
    return new Proxy(this, {
      get(target, property, receiver) {
        if (typeof property === "symbol" || property in target || property === "then") return Reflect.get(target, property, receiver);
        const inner = target.known ? (target.value as Record<string, unknown> | undefined)?.[property] : undefined;
        return new Output(target.known, inner, target.isSecret, target.resources);
      },
    });
  }

  static isInstance(value: unknown): value is Output<unknown> {
    return value instanceof Output;
  }

  /** Runs `f` only on a known value, as a preview does. */
  apply<U>(f: (value: T) => U | Output<U>): Output<U> {
    if (!this.known) return new Output<U>(false, undefined, this.isSecret, this.resources);
    const result = output(f(this.value as T));
    return new Output<U>(result.known, result.value, this.isSecret || result.isSecret, [...this.resources, ...result.resources]);
  }
}

export function output<T>(value: T | Output<T>): Output<T> {
  return value instanceof Output ? value : new Output(true, value, false);
}

export function secret<T>(value: T | Output<T>): Output<T> {
  const inner = output(value);
  return new Output(inner.known, inner.value, true, inner.resources);
}

export function isRpcSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/**
 * Inputs as the engine receives them: outputs resolved, secrets wrapped, undefined left out; the
 * resources behind the outputs go to `from` (runtime/rpc.js serializeProperty collects them too).
 */
function wire(value: unknown, from: Resource[] = []): unknown {
  if (value instanceof Output) {
    from.push(...value.resources);
    const inner = value.known ? wire(value.value, from) : unknownValue;
    return value.isSecret ? { [specialSigKey]: specialSecretSig, value: inner } : inner;
  }
  if (Array.isArray(value)) return value.map((item) => wire(item, from) ?? null);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).flatMap(([key, field]) => {
      const wired = wire(field, from);
      return wired === undefined ? [] : [[key, wired]];
    }));
  }
  return value;
}

export class RunError extends Error {
  static isInstance(error: unknown): error is RunError {
    return error instanceof RunError;
  }
}

export class ResourceError extends Error {
  constructor(message: string, readonly resource: Resource | undefined) {
    super(message);
  }
}

export interface ResourceOptions {
  parent?: Resource;
  dependsOn?: unknown;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  replaceOnChanges?: string[];
  ignoreChanges?: string[];
  additionalSecretOutputs?: string[];
  customTimeouts?: { create?: string; update?: string; delete?: string };
  hooks?: { onError?: ErrorHook[] };
}

/** resource.js ErrorHook without the engine: a name and the callback, which never runs in a render. */
export class ErrorHook {
  constructor(readonly name: string, readonly callback: (args: unknown) => boolean | Promise<boolean>) {}
}

/** `dependsOn` as a flat list (an output of resources counts as its value). */
function explicitDependencies(dependsOn: unknown): Resource[] {
  if (Array.isArray(dependsOn)) return dependsOn.flatMap(explicitDependencies);
  if (dependsOn instanceof Output) return explicitDependencies(dependsOn.value);
  return dependsOn instanceof Resource ? [dependsOn] : [];
}

/**
 * The URNs a registration depends on, as runtime/dependsOn.js getAllTransitivelyReferencedResourceURNs
 * gathers them: a component stands for every custom resource below it (through child components,
 * not into custom resources' children); the resource itself is left out.
 */
function dependencyUrns(resources: Resource[], self: Resource): string[] {
  const reached = new Set<Resource>();
  const walk = (resource: Resource): void => {
    if (reached.has(resource)) return;
    reached.add(resource);
    if (!resource.custom && resource !== self) resource.children.forEach(walk);
  };
  resources.forEach(walk);
  return [...new Set([...reached].filter((r) => r.custom && r !== self).map((r) => r.urn.value!))];
}

export abstract class Resource {
  readonly urn: Output<string>;
  /** The resource's type chain in URNs: parent types joined by `$`. */
  readonly qualifiedType: string;
  readonly children: Resource[] = [];

  protected constructor(type: string, name: string, readonly custom: boolean, inputs: Record<string, unknown>, opts: ResourceOptions = {}) {
    const parent = opts.parent;
    parent?.children.push(this);
    this.qualifiedType = parent ? `${parent.qualifiedType}$${type}` : type;
    const urn = `urn:pulumi:${recording.stack}::${recording.project}::${this.qualifiedType}::${name}`;
    // The engine refuses a second registration of a URN (pulumi/pulumi pkg/diag/errors.go,
    // GetDuplicateResourceURNError, code 2001); the mock monitor would silently keep the last one.
    if (recording.urns.has(urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
    recording.urns.add(urn);
    this.urn = output(urn);
    const fromInputs: Resource[] = [];
    const wired = wire(inputs, fromInputs) as Record<string, unknown>;
    recording.registrations.push({
      type, name, urn, custom,
      inputs: custom ? wired : {},
      parent: parent ? parent.urn.value! : "",
      dependencies: dependencyUrns([...explicitDependencies(opts.dependsOn), ...fromInputs], this),
      options: {
        retainOnDelete: opts.retainOnDelete ?? false,
        deleteBeforeReplace: opts.deleteBeforeReplace ?? false,
        replaceOnChanges: opts.replaceOnChanges ?? [],
        ignoreChanges: opts.ignoreChanges ?? [],
        additionalSecretOutputs: opts.additionalSecretOutputs ?? [],
        // Passed through as given, empty when unset (runtime/resource.js lines 445-452).
        customTimeouts: {
          create: opts.customTimeouts?.create ?? "",
          update: opts.customTimeouts?.update ?? "",
          delete: opts.customTimeouts?.delete ?? "",
        },
        onErrorHooks: opts.hooks?.onError?.map((hook) => hook.name) ?? [],
      },
    });
  }
}

export class ComponentResource extends Resource {
  constructor(type: string, name: string, _args: Record<string, unknown> = {}, opts: ResourceOptions = {}) {
    super(type, name, false, {}, opts);
  }

  protected registerOutputs(_outputs?: Record<string, unknown>): void {}
}

export class CustomResource extends Resource {
  /**
   * Every input becomes an output of the same value (the mock runtime returns the inputs as the
   * state); properties listed in `outputsOnly` are unknown, as in a preview.
   */
  constructor(type: string, name: string, inputs: Record<string, unknown>, opts: ResourceOptions = {}, outputsOnly: string[] = []) {
    super(type, name, true, inputs, opts);
    for (const [key, value] of Object.entries(inputs)) {
      const input = output(value);
      Object.assign(this, { [key]: new Output(input.known, input.value, input.isSecret, [this]) });
    }
    for (const key of outputsOnly) Object.assign(this, { [key]: new Output(false, undefined, false, [this]) });
  }
}

export class Config {
  constructor(readonly name: string = recording.project) {}

  get(key: string): string | undefined {
    return recording.config[`${this.name}:${key}`];
  }

  /** config.js getBooleanImpl: "true" or "false", anything else a RunError naming the key. */
  getBoolean(key: string): boolean | undefined {
    const value = this.get(key);
    if (value === undefined || value === "true" || value === "false") return value === undefined ? undefined : value === "true";
    throw new RunError(`Configuration '${this.name}:${key}' value '${value}' is not a valid boolean`);
  }
}

/** runtime/config.js isConfigSecret: the keys given as secret (`pulumi config set --secret`). */
export function isConfigSecret(key: string): boolean {
  return recording.secretKeys.includes(key);
}

export function getStack(): string {
  return recording.stack;
}

export function getProject(): string {
  return recording.project;
}

/** Logging happens only in hooks (components/awaitDiagnosis.ts), which never run in a render. */
export const log = {
  warn: (_message: string): void => {},
};

export const runtime = {
  allConfig: (): Record<string, string> => ({ ...recording.config }),
  isDryRun: (): boolean => true,
};
