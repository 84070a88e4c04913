/**
 * What running the program under a runtime yields: every resource it registered, in the shape
 * lib/render/mockRuntime.ts records them from the engine's requests (and lib/render/recorder/run.ts
 * from its stand-in SDK), with look-ups the tests and render use.
 */

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
    /** Names of the error hooks the engine calls when an operation on it fails. */
    onErrorHooks: string[];
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

export function programRun(resources: RegisteredResource[], error: unknown): ProgramRun {
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const get = (type: string, name: string) => {
    const matches = resources.filter((r) => r.type === type && r.name === name);
    if (matches.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${matches.length}: ${resources.map((r) => `${r.type} ${r.name}`).join("; ")}`);
    return matches[0];
  };
  return { resources, error, ofType, get, urnOf: (type, name) => get(type, name).urn };
}
