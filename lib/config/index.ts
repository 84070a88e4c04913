/**
 * The stack config contract. One schema validates the `multinet:` keys of a stack file, fills in
 * every default and gives the types the rest of the program uses. Validation collects every problem
 * at once, each naming its config key, the bad value and what is allowed. The parts: value rules
 * (values.ts, pods.ts), one schema per key (multus.ts … verification.ts, schema.ts), cross-key
 * checks (checks.ts), error wording (errors.ts), config sources (sources.ts); the reference in
 * docs/configuration.md is generated from the schema (scripts/config-reference.ts).
 */
import type { z } from "zod";
import { crossFieldProblems } from "./checks";
import { describeIssue, configKey, type Path } from "./errors";
import { namespaceProblems } from "./configKeys";
import { stackConfigSchema, type StackConfig } from "./schema";
import { multinetValues } from "./sources";

export * from "./references";
export * from "./namespaces";
export * from "./sources";
export { pulumiConfigFromStackText, StackFileError, stackFileMaxBytes } from "./stackFile";
export * from "./schema";
export { configKey, configNamespace, formatConfigErrors } from "./errors";
export { imageProblem, isDnsSubdomain, isLabelValue, labelKeyProblem, quantityValue } from "./kubernetes";
export { interfaceNameProblem, isDnsLabel, isInterfaceName } from "./values";
export { multusSchema } from "./multus";
export { flannelSchema } from "./flannel";
export { calicoSchema } from "./calico";
export { cniPluginsInImage, cniPluginsNeverInstalled, cniPluginsSchema } from "./cniPlugins";
export { networkSchema } from "./networks";
export { networkProblems } from "./networkChecks";
export { whereaboutsSchema } from "./whereabouts";
export { multiNetworkPolicySchema, policedNetworkTypes } from "./multiNetworkPolicy";
export { policiesSchema } from "./policies";
export { policyNetworkReference } from "./policyChecks";
export type { WhereaboutsIpamConfig } from "./whereaboutsIpam";
export { samplePodSchema } from "./samplePod";
export { verificationSchema } from "./verification";

export type ConfigResult = { ok: true; config: StackConfig } | { ok: false; errors: string[] };

/** Validates raw `multinet:` values (already parsed from JSON) and fills defaults. */
export function validateConfig(input: Record<string, unknown>): ConfigResult {
  const sectionSchemas = stackConfigSchema.shape;
  const sectionNames = Object.keys(sectionSchemas) as Array<keyof StackConfig>;
  const errors = Object.keys(input)
    .filter((key) => !(sectionNames as string[]).includes(key))
    .map((key) => `${configKey([key])}: unknown key; allowed keys: ${sectionNames.join(", ")}`);
  const sections: Partial<Record<keyof StackConfig, unknown>> = {};
  for (const name of sectionNames) {
    const parsed = sectionSchemas[name].safeParse(input[name]);
    if (parsed.success) sections[name] = parsed.data;
    else errors.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, input, [name])));
  }
  errors.push(...crossFieldProblems(sections as Partial<StackConfig>));
  return errors.length ? { ok: false, errors } : { ok: true, config: sections as StackConfig };
}

/**
 * Validates a Pulumi config map (`{"multinet:flannel": "<json>", "kubernetes:context": …}`, as the
 * engine hands it to the program or a stack file is read): keys whose namespace was surely meant to
 * be `multinet` are errors too, reported with the rest.
 */
export function validateStackConfig(allConfig: Record<string, string>): ConfigResult {
  const keyProblems = namespaceProblems(Object.keys(allConfig));
  const result = validateConfig(multinetValues(allConfig));
  if (!keyProblems.length) return result;
  return { ok: false, errors: [...keyProblems, ...(result.ok ? [] : result.errors)] };
}

/**
 * Validates one section on its own, for components used outside index.ts; cross-section checks
 * need the whole stack and run in `validateConfig`.
 */
export function validateSection<S extends z.ZodType>(key: Path, schema: S, value: unknown):
  { ok: true; value: z.output<S> } | { ok: false; errors: string[] } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const input = key.reduceRight<unknown>((inner, segment) => (typeof segment === "number" ? Object.assign([], { [segment]: inner }) : { [segment]: inner }), value);
  return { ok: false, errors: parsed.error.issues.flatMap((issue) => describeIssue(issue, input, key)) };
}
