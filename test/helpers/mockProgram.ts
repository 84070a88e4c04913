/**
 * Runs index.ts under Pulumi's mock runtime (pulumi.runtime.setMocks, as Pulumi documents for unit
 * tests) and records every resource the program registers: type, name, inputs, parent, dependencies.
 */
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";

export interface RegisteredResource {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  inputs: Record<string, any>;
  parent: string;
  dependencies: string[];
}

export interface ProgramRun {
  resources: RegisteredResource[];
  error?: unknown;
  /** Resources of a Pulumi type, e.g. `kubernetes:apps/v1:DaemonSet`. */
  ofType(type: string): RegisteredResource[];
  /** The one resource of a type and name; throws when there is not exactly one. */
  get(type: string, name: string): RegisteredResource;
  urnOf(type: string, name: string): string;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
}

export async function runProgram(config: Record<string, string>, options: { stack?: string; secretKeys?: string[] } = {}): Promise<ProgramRun> {
  const stack = options.stack ?? "test";
  const byKey = new Map<string, RegisteredResource>();
  const pending = new Map<string, Omit<RegisteredResource, "urn" | "inputs">>();
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
  }, "multinet", stack, true);

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
    });
    return register(req, (err, response) => {
      const recorded = byKey.get(key(req.getType(), req.getName()));
      if (recorded && response) recorded.urn = response.getUrn();
      callback(err, response);
    });
  };

  vi.resetModules();
  let error: unknown;
  try {
    await import("../../index");
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
