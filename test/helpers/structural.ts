/**
 * A structural check of an object against a CRD's openAPIV3Schema, as the API server applies it.
 * Shared by the rendered stacks (test/manifests.test.ts) and the upstream CRDs (test/upstream.test.ts).
 */
export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  items?: StructuralSchema;
  required?: string[];
  additionalProperties?: StructuralSchema;
  anyOf?: StructuralSchema[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

/**
 * A structural check as the API server applies a CRD schema: types, required fields, and no field
 * the schema lacks (the server would silently prune it); map values (additionalProperties) and
 * int-or-string alternatives (anyOf) too. Enough for the NAD, whereabouts and MultiNetworkPolicy CRDs.
 */
export function structuralProblems(schema: StructuralSchema, value: unknown, at: string): string[] {
  if (schema.anyOf && schema.anyOf.every((alternative) => structuralProblems(alternative, value, at).length)) {
    return [`${at}: matches none of ${schema.anyOf.map((a) => a.type).join(", ")}`];
  }
  const jsonType = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (schema.type && schema.type !== jsonType && !(schema.type === "number" && jsonType === "integer")) {
    return [`${at}: expected ${schema.type}, found ${jsonType}`];
  }
  if (Array.isArray(value)) return schema.items ? value.flatMap((item, i) => structuralProblems(schema.items!, item, `${at}[${i}]`)) : [];
  if (schema.type === "object" && schema.additionalProperties && value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, field]) => structuralProblems(schema.additionalProperties!, field, `${at}.${key}`));
  }
  if (schema.type !== "object" || !schema.properties) return [];
  const object = value as Record<string, unknown>;
  return [
    ...(schema.required ?? []).filter((key) => !(key in object)).map((key) => `${at}.${key}: required`),
    ...Object.entries(object).flatMap(([key, field]) => (schema.properties![key]
      ? structuralProblems(schema.properties![key], field, `${at}.${key}`)
      : schema["x-kubernetes-preserve-unknown-fields"] ? [] : [`${at}.${key}: not in the schema, the API server would prune it`])),
  ];
}

/**
 * A whole object against its CRD's schema: apiVersion, kind and metadata are the API server's own
 * (validated by it whether or not the schema declares them, as the MultiNetworkPolicy CRD does not).
 */
export function objectProblems(schema: StructuralSchema, object: Record<string, unknown>, at: string): string[] {
  const implicit = ["apiVersion", "kind", "metadata"].filter((key) => !schema.properties?.[key]);
  return structuralProblems(schema, Object.fromEntries(Object.entries(object).filter(([key]) => !implicit.includes(key))), at);
}
