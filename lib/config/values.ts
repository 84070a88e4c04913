/**
 * Value rules shared by several keys: names, addresses, images, quantities, versions. Each rule's
 * message says what is allowed; the key and the value are added where errors are worded (errors.ts).
 */
import { z } from "zod";
import { isIp, isNetworkAddress, parseCidr } from "./cidr";
import { imageProblem } from "./kubernetes";
import { goRegexpProblem } from "./re2";

/**
 * Why the kernel (or the CNI plugins) would refuse a Linux interface name, or undefined. The kernel's
 * dev_valid_name (torvalds/linux net/core/dev.c) counts BYTES: at most IFNAMSIZ - 1 = 15, not "." or
 * "..", no '/', ':' or byte its isspace() accepts (9-13, 32 and 0xA0: lib/ctype.c), which can sit
 * inside a UTF-8 sequence; libcni's ValidateInterfaceName (containernetworking/cni pkg/utils/utils.go,
 * vendored in plugins v1.9.1) also refuses runes unicode.IsSpace accepts. Control characters pass the
 * kernel but are refused here: they cannot be read back from `ip link` or logs. ',' and '@' would
 * break the short form of the pod networks annotation.
 */
export function interfaceNameProblem(name: string): string | undefined {
  if (typeof name !== "string" || name.length === 0) return "is empty";
  const bytes = Buffer.from(name, "utf8");
  if (bytes.length > 15) return `is ${bytes.length} bytes long (UTF-8); the kernel allows at most 15`;
  if (name === "." || name === "..") return "is '.' or '..'";
  if (bytes.includes(0xa0) || /[\s/:,@]/u.test(name)) return "contains '/', ':', ',', '@' or white space";
  if (/[\p{Cc}\p{Cf}]/u.test(name)) return "contains a control or format character";
  return undefined;
}

/** True when the name passes interfaceNameProblem. */
export function isInterfaceName(name: string): boolean {
  return interfaceNameProblem(name) === undefined;
}

/** Namespaces every cluster has and Kubernetes owns: multinet never creates (or deletes) them. */
export const systemNamespaces: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** RFC 1123 label: what Kubernetes accepts for NAD and namespace names. */
export function isDnsLabel(name: string): boolean {
  return typeof name === "string" && name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** A strict object whose "unknown key" error lists the keys it allows (typos must not be ignored). */
export function strict<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `allowed keys: ${Object.keys(shape).join(", ")}` : undefined),
  });
}

export const interfaceName = z.string().superRefine((name, ctx) => {
  const problem = interfaceNameProblem(name);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem}; allowed: a Linux interface name of 1-15 bytes without '/', ':', ',', '@', white space or control characters` });
});
export const dnsLabel = z.string().refine(isDnsLabel, {
  message: "must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters",
});
/**
 * A regular expression for Go's regexp (RE2 syntax: `(?i)` yes, lookarounds and backreferences
 * no), as calico-node and flanneld compile it.
 */
export const regex = z.string().min(1).superRefine((pattern, ctx) => {
  const problem = goRegexpProblem(pattern);
  if (problem) ctx.addIssue({ code: "custom", message: `is not a Go (RE2) regular expression: ${problem}` });
});
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
/**
 * A release tag such as v1.2.3, optionally with a suffix (-thick, -flannel1); never `latest`/`snapshot`;
 * at most 120 characters, so that with `-thick` it stays within an image tag's 128.
 */
export const releaseTag = z.string().refine((tag) => tag.length <= 120 && /^v\d+\.\d+\.\d+([-.][\w.-]+)?$/.test(tag) && !/snapshot/.test(tag), {
  message: "must be a release tag such as v1.2.3 of at most 120 characters (not latest or snapshot)",
});
/** A repository that, with a release tag, is a valid image reference (kubernetes.ts, imageProblem). */
export const imageRepository = z.string().refine((repo) => {
  // No tag or digest after the registry part (whose ':' is a port): the release tag is added to it.
  const path = repo.slice(repo.indexOf("/") + 1);
  return !path.includes(":") && !path.includes("@") && imageProblem(`${repo}:v1.0.0`) === undefined;
}, {
  message: "must be a lower-case image repository without tag, e.g. registry.example.com/multus-cni",
});
