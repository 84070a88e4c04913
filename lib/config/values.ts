/**
 * Value rules shared by several keys: names, addresses, images, quantities, versions. Each rule's
 * message says what is allowed; the key and the value are added where errors are worded (errors.ts).
 */
import { z } from "zod";
import { isIp, isNetworkAddress, parseCidr } from "./cidr";
import { floatingImageTag } from "./versions";

/**
 * Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', ':' or white space, not '.'/'..';
 * and no ',' or '@', which would break the short form of the pod networks annotation.
 */
export function isInterfaceName(name: string): boolean {
  return /^[^/:,@\s]{1,15}$/.test(name) && name !== "." && name !== "..";
}

/** Namespaces every cluster has and Kubernetes owns: multinet never creates (or deletes) them. */
export const systemNamespaces: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** RFC 1123 label: what Kubernetes accepts for NAD and namespace names. */
export function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 63;
}

/**
 * calico-node and flanneld use Go's RE2, so a valid pattern must parse here and avoid what RE2
 * lacks: lookarounds and backreferences.
 */
function isRegex(text: string): boolean {
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(text)) return false;
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * An image reference with a release tag (not empty, invalid or floating such as latest), or a
 * digest; the same rule as the policy pack's imageTagProblem.
 */
export function imageProblem(image: string): string | undefined {
  const at = image.indexOf("@");
  const name = at < 0 ? image : image.slice(0, at);
  const colon = name.indexOf(":", name.lastIndexOf("/") + 1);
  const tag = colon < 0 ? undefined : name.slice(colon + 1);
  if (tag === "") return "has an empty tag; pin a release tag or a digest";
  if (tag !== undefined && !/^\w[\w.-]{0,127}$/.test(tag)) return `has an invalid tag '${tag}'`;
  if (at >= 0) return /@sha256:[0-9a-f]{64}$/.test(image) ? undefined : "has an invalid digest; expected @sha256:<64 hex digits>";
  if (tag === undefined) return "has no tag; pin a release tag or a digest";
  if (floatingImageTag.test(tag)) return `is tagged '${tag}', a floating tag; pin a release tag or a digest`;
  return undefined;
}

/** A strict object whose "unknown key" error lists the keys it allows (typos must not be ignored). */
export function strict<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `allowed keys: ${Object.keys(shape).join(", ")}` : undefined),
  });
}

export const interfaceName = z.string().refine(isInterfaceName, {
  message: "must be a Linux interface name: 1-15 characters without '/', ':' or white space",
});
export const dnsLabel = z.string().refine(isDnsLabel, {
  message: "must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters",
});
export const regex = z.string().min(1).refine(isRegex, { message: "must be a valid RE2 regular expression (no lookarounds or backreferences)" });
export const ipAddress = z.string().refine(isIp, { message: "must be an IPv4 or IPv6 address" });
export const cidr = z.string().refine((text) => parseCidr(text) !== undefined, {
  message: "must be a CIDR such as 10.244.0.0/16",
});
export const networkCidr = cidr.refine((text) => { const c = parseCidr(text); return !c || isNetworkAddress(c); }, {
  message: "must be a network address (no host bits set), e.g. 10.244.0.0/16",
});
export const port = z.number().int().min(1).max(65535);
export const mtu = z.number().int().min(576).max(9216);
/** The CNI versions Multus and the NADs may speak. */
export const cniVersion = z.enum(["0.3.0", "0.3.1", "0.4.0", "1.0.0"]);
/** A release tag such as v1.2.3, optionally with a suffix (-thick, -flannel1); never `latest`/`snapshot`. */
export const releaseTag = z.string().refine((tag) => /^v\d+\.\d+\.\d+([-.][\w.-]+)?$/.test(tag) && !/snapshot/.test(tag), {
  message: "must be a release tag such as v1.2.3 (not latest or snapshot)",
});
export const imageRepository = z.string().refine((repo) => /^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/.test(repo) && !/:[^/]*$/.test(repo.replace(/^[^/]*\//, "")), {
  message: "must be a lower-case image repository without tag, e.g. registry.example.com/multus-cni",
});
export const image = z.string().superRefine((value, ctx) => {
  const problem = imageProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const quantityPattern = /^(\d+(?:\.\d+)?)(m|k|Ki|Mi|Gi|M|G)?$/;
export const quantity = z.string().regex(quantityPattern, "must be a Kubernetes quantity such as 100m or 128Mi");
const quantityUnits: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** The value of a quantity that matched `quantityPattern` (cores or bytes). */
export function quantityValue(text: string): number {
  const [, number, unit = ""] = quantityPattern.exec(text)!;
  return Number(number) * quantityUnits[unit];
}
