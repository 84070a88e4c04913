/**
 * Kubernetes-level values checked the way the API server (and the kubelet, for images) will check
 * them, so that a stack never half-deploys on a rejected object. Sources, Kubernetes v1.34:
 * - names and labels: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go
 *   (IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain);
 * - tolerations: pkg/apis/core/validation/validation.go (ValidateTolerations, validateTaintEffect);
 * - priority class names: ValidatePodSpec → ValidatePriorityClassName (a DNS-1123 subdomain);
 * - quantities: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (ParseQuantity's grammar);
 * - image references: github.com/distribution/reference regexp.go and reference.go
 *   (NameTotalLengthMax 255), digests as github.com/opencontainers/go-digest validates them.
 */
import { z } from "zod";
import { linearPattern } from "./re2";
import { floatingImageTag } from "./versions";

const dns1123Label = "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?";
const isDns1123SubdomainPattern = linearPattern(`${dns1123Label}(?:\\.${dns1123Label})*`);
const isQualifiedNamePart = linearPattern("[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?");

/** DNS-1123 subdomain: lower-case labels joined by dots, at most 253 characters. */
export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && isDns1123SubdomainPattern(text);
}

/** Why a label (or annotation, taint, toleration) key is not a qualified name, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return "has a prefix that is not a DNS-1123 subdomain (lower-case, at most 253 characters)";
  if (name.length === 0 || name.length > 63 || !isQualifiedNamePart(name)) {
    return "must be a qualified name: an optional DNS subdomain prefix and '/', then at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  }
  return undefined;
}

/** Label values: empty, or at most 63 characters as a qualified name's name part. */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && isQualifiedNamePart(value));
}

const labelValueMessage = "must be a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

export const labelKey = z.string().superRefine((key, ctx) => {
  const problem = labelKeyProblem(key);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
export const labelValue = z.string().refine(isLabelValue, { message: labelValueMessage });

/** A node selector: label keys to label values (the API server validates it as labels). */
export const nodeSelector = z.record(z.string(), labelValue).superRefine((selector, ctx) => {
  for (const key of Object.keys(selector)) {
    const problem = labelKeyProblem(key);
    if (problem) ctx.addIssue({ code: "custom", path: [key], input: key, message: `is not a valid label key: it ${problem}` });
  }
});

export const priorityClassName = z.string().refine(isDnsSubdomain, {
  message: "must be a priority class name: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)",
});

/** A toleration, with the cross-field rules of ValidateTolerations. */
export const toleration = z.strictObject({
  key: labelKey.optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
}, { error: (issue) => (issue.code === "unrecognized_keys" ? "allowed keys: key, operator, value, effect, tolerationSeconds" : undefined) })
  .superRefine((t, ctx) => {
    const operator = t.operator ?? "Equal";
    if (!t.key && operator !== "Exists") {
      ctx.addIssue({ code: "custom", path: ["operator"], input: t.operator, message: "must be Exists when key is empty (an empty key matches every taint); allowed: operator Exists, or a key" });
    }
    if (operator === "Exists" && t.value) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "must be empty when operator is Exists" });
    }
    if (operator === "Equal" && t.value !== undefined && !isLabelValue(t.value)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: labelValueMessage });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      ctx.addIssue({ code: "custom", path: ["tolerationSeconds"], message: "is only allowed with effect NoExecute" });
    }
  });

// ParseQuantity's grammar: a signed decimal number and a binary-SI, decimal-SI or exponent suffix.
const quantityGrammar = linearPattern("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?");
const suffixScale: Record<string, number> = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity (cores or bytes), or undefined when it is not one. */
export function quantityValue(text: string): number | undefined {
  if (typeof text !== "string" || text.length > 64 || !quantityGrammar(text)) return undefined;
  const exponent = /[eE][+-]?\d+$/.exec(text);
  if (exponent) return Number(text);
  const suffix = /(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])$/.exec(text)?.[0] ?? "";
  return Number(text.slice(0, text.length - suffix.length)) * suffixScale[suffix];
}

/**
 * Why a CPU or memory quantity would be refused or misread, or undefined. The API server rejects
 * negative requests and limits; the docs' resource units say CPU finer than 1m is not allowed and
 * that `400m` of memory means 0.4 bytes
 * (kubernetes.io/docs/concepts/configuration/manage-resources-containers), almost always a typo for
 * `400Mi`, so memory must be whole bytes.
 */
export function quantityProblem(resource: "cpu" | "memory", text: string): string | undefined {
  const value = quantityValue(text);
  if (value === undefined || !Number.isFinite(value)) return "must be a Kubernetes quantity such as 100m, 0.5, 128Mi or 1e3";
  if (value < 0) return "must not be negative";
  if (resource === "cpu" && Math.abs(value * 1000 - Math.round(value * 1000)) > 1e-6) return "is finer than 1m (0.001 CPU), which Kubernetes does not allow";
  if (resource === "memory" && Math.abs(value - Math.round(value)) > 1e-6) return "is a fraction of a byte (m means milli: 400m is 0.4 bytes); allowed: whole bytes such as 400Mi";
  return undefined;
}

/** A quantity as text; a plain YAML number (`cpu: 1`, `memory: 2e9`) is taken as its decimal text, as Kubernetes does. */
export const quantity = (resource: "cpu" | "memory") => z.preprocess(
  (value) => (typeof value === "number" && Number.isFinite(value) ? String(value) : value),
  z.string().superRefine((text, ctx) => {
    const problem = quantityProblem(resource, text);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
);

const imageReference = linearPattern((() => {
  const alphanumeric = "[a-z0-9]+";
  const pathComponent = `${alphanumeric}(?:(?:[._]|__|[-]+)${alphanumeric})*`;
  const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
  const name = `(?:${host}(?::[0-9]+)?/)?${pathComponent}(?:/${pathComponent})*`;
  return `${name}(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?`;
})());
const digestLengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * Why an image reference would not pull: not the distribution reference grammar, a name over 255
 * characters, a digest go-digest rejects; or why it is not pinned: no tag, a floating tag such as
 * latest (the policy pack's imageTagProblem keeps the same pinning rule). Undefined when it is fine.
 */
export function imageProblem(image: string): string | undefined {
  if (typeof image !== "string" || image.length > 4096) return "is not an image reference";
  const at = image.indexOf("@");
  const name = at < 0 ? image : image.slice(0, at);
  const colon = name.indexOf(":", name.lastIndexOf("/") + 1);
  const repository = colon < 0 ? name : name.slice(0, colon);
  const tag = colon < 0 ? undefined : name.slice(colon + 1);
  if (tag === "") return "has an empty tag; pin a release tag or a digest";
  if (at >= 0) {
    const [algorithm, hex = ""] = image.slice(at + 1).split(":");
    if (digestLengths[algorithm] !== hex.length || !/^[a-f0-9]+$/.test(hex)) {
      return "has an invalid digest; expected @sha256:<64 lower-case hex digits> (or sha384/sha512)";
    }
  }
  if (!imageReference(image)) {
    return "is not an image reference ([registry/]path[:tag][@digest]: lower-case path components, a tag of at most 128 letters, digits, '_', '.', '-')";
  }
  if (repository.length > 255) return "has a repository name longer than 255 characters";
  if (at >= 0) return undefined;
  if (tag === undefined) return "has no tag; pin a release tag or a digest";
  if (floatingImageTag.test(tag)) return `is tagged '${tag}', a floating tag; pin a release tag or a digest`;
  return undefined;
}

export const image = z.string().superRefine((value, ctx) => {
  const problem = imageProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
