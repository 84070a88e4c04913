/**
 * Runs the Pulumi program under Pulumi's mock runtime (pulumi.runtime.setMocks, as Pulumi documents
 * for unit tests) and records every resource it registers: type, name, inputs, parent, dependencies.
 * The tests and `npm run render:mock` use it; `npm run render`'s bundle runs lib/render/recorder in
 * its place, which test/recorder.test.ts proves to register the same.
 */
import * as pulumi from "@pulumi/pulumi";
import { programRun, type ProgramRun, type RegisteredResource, type RunOptions } from "./programRun";

export type { ProgramRun, RegisteredResource, RunOptions } from "./programRun";

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
  getHooks(): { getOnErrorList(): string[] } | undefined;
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
    registerErrorHook?: (req: unknown, callback: (err: null, response: object) => void) => void;
  };
  // The mock monitor cannot register hooks (@pulumi/pulumi 3.248 runtime/mocks.js has no
  // registerErrorHook; a resource naming a hook would never resolve). Accepted here, they never run
  // under mocks: the resources record the hook names, and the hooks are tested on their own.
  monitor.registerErrorHook = (_req, callback) => callback(null, {});
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
        onErrorHooks: req.getHooks()?.getOnErrorList() ?? [],
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

  return programRun([...byKey.values()], error);
}
