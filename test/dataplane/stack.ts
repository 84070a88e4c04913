/** The suite's stack config (stack.yaml), validated by the project's own validateConfig(). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { formatConfigErrors, multinetValues, networkSchema, validateConfig, validateSection, type StackConfig, type TypedNetworkConfig } from "../../lib/config";

function loadStack(): StackConfig {
  const file = parse(readFileSync(join(__dirname, "stack.yaml"), "utf8")) as { config: Record<string, unknown> };
  // The Pulumi engine hands structured config values to the program as JSON strings.
  const engineConfig = Object.fromEntries(Object.entries(file.config).map(([key, value]) => [key, JSON.stringify(value)]));
  const result = validateConfig(multinetValues(engineConfig));
  if (!result.ok) throw new Error(formatConfigErrors(result.errors));
  return result.config;
}

export const stack = loadStack();

/** A typed network of stack.yaml (the ones multinet builds the CNI config of). */
export function network(name: string): TypedNetworkConfig {
  const found = stack.networks.find((n) => n.name === name);
  if (!found || found.type === "raw") throw new Error(`stack.yaml defines no typed network "${name}"`);
  return found;
}

/**
 * The flannel network as a stack that turns on source-based routing would declare it (a stack may
 * have only one flannel network, so the variant is not in stack.yaml), validated by the same schema.
 */
export function flannelWithSbr(): TypedNetworkConfig {
  const result = validateSection(["networks", 0], networkSchema, {
    name: "flannel-sbr", type: "flannel", cniVersion: "1.0.0", sourceBasedRouting: true,
  });
  if (!result.ok || result.value.type === "raw") throw new Error(result.ok ? "flannel-sbr is not typed" : formatConfigErrors(result.errors));
  return result.value;
}
