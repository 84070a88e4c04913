/**
 * Runs the Pulumi program under Pulumi's mock runtime (pulumi.runtime.setMocks, as Pulumi documents
 * for unit tests) and records every resource it registers: type, name, inputs, parent, dependencies.
 * Shared by the tests and by `npm run render`, so both see exactly what `pulumi up` would register.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  /** As the engine receives them: pulumi.secret values stay wrapped (rpc.isRpcSecret recognizes them). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped, as the mocks receive them; tests read deep into them
  inputs: Record<string, any>;
  /** URN of the parent resource (a component, or the stack). */
  parent: string;
  dependencies: string[];
  /** Resource options that change how the engine creates, replaces or deletes it. */
  options: {
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    /** `customTimeouts` as the engine receives them (Go durations such as `600s`; empty when unset). */
    customTimeouts: { create: string; update: string; delete: string };
  };
}

export interface ProgramRun {
  resources: RegisteredResource[];
  /** What the program threw, e.g. a pulumi.RunError for bad config. */
  error?: unknown;
  /** Resources of a Pulumi type, e.g. `kubernetes:apps/v1:DaemonSet`. */
  ofType(type: string): RegisteredResource[];
  /** The one resource of a type and name; throws when there is not exactly one. */
  get(type: string, name: string): RegisteredResource;
  urnOf(type: string, name: string): string;
}

export interface RunOptions {
  stack?: string;
  /** Config keys Pulumi treats as secret (`pulumi config set --secret`). */
  secretKeys?: string[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}

type Registration = Omit<RegisteredResource, "urn" | "inputs">;

/**
 * Sets the config, installs the mocks, then calls `load` to run the program (it imports the
 * program's entry module; the caller decides how, e.g. after resetting a test's module cache).
 */
export async function runProgram(
  load: () => Promise<unknown>, config: Record<string, string>, options: RunOptions = {},
): Promise<ProgramRun> {
  const byKey = new Map<string, RegisteredResource>();
  const pending = new Map<string, Registration>();
  const key = (type: string, name: string) => `${type}::${name}`;

  pulumi.runtime.setAllConfig(config, options.secretKeys);
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      const meta = pending.get(key(args.type, args.name));
      if (!meta) throw new Error(`no request recorded for ${args.type} ${args.name}`);
      byKey.set(key(args.type, args.name), { ...meta, urn: "", inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  }, "multinet", options.stack ?? "test", true);

  // The mocks only see type, name and inputs; the parent and dependencies come from the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: (err: unknown, response: { getUrn(): string } | undefined) => void): Promise<void>;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    pending.set(key(req.getType(), req.getName()), {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      options: {
        retainOnDelete: req.getRetainondelete(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        replaceOnChanges: req.getReplaceonchangesList(),
        ignoreChanges: req.getIgnorechangesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        customTimeouts: {
          create: req.getCustomtimeouts()?.getCreate() ?? "",
          update: req.getCustomtimeouts()?.getUpdate() ?? "",
          delete: req.getCustomtimeouts()?.getDelete() ?? "",
        },
      },
    });
    return register(req, (err, response) => {
      const recorded = byKey.get(key(req.getType(), req.getName()));
      if (recorded && response) recorded.urn = response.getUrn();
      callback(err, response);
    });
  };

  let error: unknown;
  try {
    await load();
  } catch (e) {
    error = e;
  }
  // Waits until the mock monitor has answered every registration, then drops the monitor.
  await pulumi.runtime.disconnect();

  const resources = [...byKey.values()];
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const get = (type: string, name: string) => {
    const matches = resources.filter((r) => r.type === type && r.name === name);
    if (matches.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${matches.length}: ${resources.map((r) => `${r.type} ${r.name}`).join("; ")}`);
    return matches[0];
  };
  return { resources, error, ofType, get, urnOf: (type, name) => get(type, name).urn };
}
