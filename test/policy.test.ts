/**
 * The CrossGuard policy pack (policy/): its rules on the Kubernetes objects every stack declares and
 * on crafted violations, called as the pack's policies (type and props, as Pulumi passes them), and
 * the pack itself served the way `pulumi preview --policy-pack policy` starts it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzeRequest, AnalyzerResourceOptions, EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kubernetesObject, policies } from "../policy/policies";
import {
  cniConfigByteLimit, cniConfigProblems, cniVersions, containersOf, floatingImageTag, hostAccessAllowed, hostAccessGranted, hostAccessUsed, imageTagProblem,
  isPinnedByDigest, podSpecOf, type KubeObject,
} from "../policy/rules";
import { rawConfigByteLimit } from "../lib/config/rawCni";
import { multinetValues, validateConfig, type StackConfig } from "../lib/config";
import { floatingImageTag as configFloatingImageTag } from "../lib/config/versions";
import { pulumiConfigForStack, repoRoot, stackNames } from "../lib/files/stackFiles";
import { runProgram, type RegisteredResource } from "./helpers/mockProgram";

interface Finding {
  policy: string;
  level: "mandatory" | "advisory";
  message: string;
}

interface Resource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/** Runs every policy of the pack on one resource, as the pack's server does (resources validate synchronously). */
async function validate({ type, name, inputs }: Resource): Promise<Finding[]> {
  const findings: Finding[] = [];
  const args = {
    type, name, props: inputs, urn: `urn:pulumi:test::multinet::${type}::${name}`,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(), isType: () => false, asType: () => undefined, getConfig: () => ({}),
    notApplicable: () => { throw new Error("not applicable"); },
  } as unknown as ResourceValidationArgs;
  for (const policy of policies) {
    const validations = [policy.validateResource ?? []].flat();
    for (const validation of validations) {
      await validation(args, (message) => findings.push({ policy: policy.name, level: policy.enforcementLevel as Finding["level"], message }));
    }
  }
  return findings;
}

const mandatory = (findings: Finding[]) => findings.filter((f) => f.level === "mandatory");

// ---------------------------------------------------------------------------------------------
// Every stack
// ---------------------------------------------------------------------------------------------

const stackObjects = new Map<string, RegisteredResource[]>();
beforeAll(async () => {
  for (const stack of stackNames()) {
    const run = await runProgram(pulumiConfigForStack(stack), { stack });
    if (run.error) throw run.error;
    stackObjects.set(stack, run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")));
  }
});

function stackConfig(stack: string): StackConfig {
  const result = validateConfig(multinetValues(pulumiConfigForStack(stack)));
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

describe.each(stackNames())("stack %s", (stack) => {
  const objects = () => stackObjects.get(stack)!;

  it("passes every mandatory policy", async () => {
    expect(objects().length).toBeGreaterThan(0);
    for (const resource of objects()) expect(mandatory(await validate(resource)), resource.name).toEqual([]);
  });

  it("gets one advisory per container image not pinned by digest", async () => {
    // Patches may leave a container's image to the object they patch.
    const images = objects().flatMap((r) => containersOf(r.inputs).map(({ container }) => container.image).filter((i): i is string => typeof i === "string"));
    expect(images.length).toBeGreaterThan(0);
    const advisories = (await Promise.all(objects().map(validate))).flat().filter((f) => f.level === "advisory");
    expect(advisories.map((f) => f.policy)).toEqual(images.filter((i) => !isPinnedByDigest(i)).map(() => "multinet-image-digests"));
  });

  it("uses the host only in the node agents' DaemonSets, each exactly as the policy grants it", () => {
    const used = Object.fromEntries(objects().map((r) => [r.inputs.metadata.name, [...new Set(hostAccessUsed(r.inputs).map((u) => u.access))].sort()])
      .filter(([, access]) => access.length > 0));
    // Not only allowed: the grants are no wider than what the DaemonSets use.
    const { multiNetworkPolicy, whereabouts } = stackConfig(stack);
    expect(used).toEqual({
      "kube-multus-ds": ["hostNetwork", "hostPID", "privileged"],
      "kube-flannel-ds": ["hostNetwork"],
      ...(stack === "kind" ? { "multinet-cni-plugins": ["hostNetwork", "privileged"] } : {}),
      ...(whereabouts.enabled ? { whereabouts: ["hostNetwork", "privileged"] } : {}),
      ...(multiNetworkPolicy.enabled ? { "multi-networkpolicy-ds-amd64": ["hostNetwork", "privileged"] } : {}),
    });
    for (const r of objects().filter((o) => hostAccessUsed(o.inputs).length > 0)) {
      expect([...hostAccessGranted(r.inputs)].sort(), r.name).toEqual(used[r.inputs.metadata.name]);
    }
  });

  it("declares NADs whose configs the policy accepts", () => {
    const nads = objects().filter((r) => r.inputs.kind === "NetworkAttachmentDefinition");
    expect(nads.length).toBeGreaterThan(0);
    for (const nad of nads) expect(cniConfigProblems(nad.inputs.spec.config), nad.name).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Crafted objects
// ---------------------------------------------------------------------------------------------

const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
const bounded = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };
const container = (fields: Record<string, unknown> = {}) => ({ name: "app", image: "docker.io/library/nginx:1.29.3", resources: bounded, ...fields });

function pod(spec: Record<string, unknown> = {}, name = "sample"): Resource {
  return { type: "kubernetes:core/v1:Pod", name: `default/${name}`, inputs: { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { containers: [container()], ...spec } } };
}

function workload(kind: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Resource {
  const podSpec = { containers: [container()], ...spec };
  const body = kind === "CronJob"
    ? { schedule: "@daily", jobTemplate: { spec: { template: { spec: podSpec } } } }
    : { selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "x" } }, spec: podSpec } };
  const group = kind === "CronJob" ? "batch/v1" : "apps/v1";
  return { type: `kubernetes:${group}:${kind}`, name: `kube-system/${String(metadata.name ?? "x")}`, inputs: { apiVersion: group, kind, metadata: { name: "x", namespace: "kube-system", ...metadata }, spec: body } };
}

function nad(config: unknown, name = "net"): Resource {
  const spec = config === undefined ? {} : { config: typeof config === "string" ? config : JSON.stringify(config) };
  return { type: "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition", name: `default/${name}`, inputs: { apiVersion: "k8s.cni.cncf.io/v1", kind: "NetworkAttachmentDefinition", metadata: { name, namespace: "default" }, spec } };
}

const multusLabels = { "app.kubernetes.io/part-of": "multinet", "app.kubernetes.io/component": "multus" };
const flannelLabels = { "app.kubernetes.io/part-of": "multinet", "app.kubernetes.io/component": "flannel" };
/** The Multus DaemonSet as multinet builds it: privileged, host network and PID. */
const multus = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => workload("DaemonSet", {
  hostNetwork: true, hostPID: true, containers: [container({ image: `multus@${digest}`, securityContext: { privileged: true } })], ...spec,
}, { name: "kube-multus-ds", labels: multusLabels, ...metadata });
/** The Flannel DaemonSet as multinet builds it: host network, NET_ADMIN and NET_RAW, not privileged. */
const flannel = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => workload("DaemonSet", {
  hostNetwork: true,
  containers: [container({ image: `flannel@${digest}`, securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } } })],
  ...spec,
}, { name: "kube-flannel-ds", namespace: "kube-flannel", labels: flannelLabels, ...metadata });
const privilegedContainer = container({ image: `x@${digest}`, securityContext: { privileged: true } });
const calicoPatch = (containerFields: Record<string, unknown>): Resource => ({
  type: "kubernetes:apps/v1:DaemonSetPatch",
  name: "kube-system/calico-node",
  inputs: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "calico-node", namespace: "kube-system" }, spec: { template: { spec: { containers: [{ name: "calico-node", ...containerFields }] } } } },
});

describe("crafted violations", () => {
  it.each<[string, Resource, string, string]>([
    ["an image tagged latest", pod({ containers: [container({ image: "nginx:latest" })] }), "multinet-image-tags", 'Pod default/sample: container app image "nginx:latest" is tagged latest'],
    ["an untagged image", pod({ containers: [container({ image: "docker.io/library/nginx" })] }), "multinet-image-tags", "has no tag"],
    ["an empty tag", pod({ containers: [container({ image: "nginx:" })] }), "multinet-image-tags", 'image "nginx:" has an empty tag'],
    ["Multus's floating thick tag", pod({ containers: [container({ image: "ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick" })] }), "multinet-image-tags", "is tagged snapshot-thick, a floating tag"],
    ["a latest variant", pod({ containers: [container({ image: "ghcr.io/k8snetworkplumbingwg/multus-cni:latest-thick" })] }), "multinet-image-tags", "is tagged latest-thick, a floating tag"],
    ["a branch tag", pod({ containers: [container({ image: "registry.example.com:5000/flannel:main" })] }), "multinet-image-tags", "is tagged main, a floating tag"],
    ["an untagged image from a registry with a port", pod({ containers: [container({ image: "registry.example.com:5000/nginx" })] }), "multinet-image-tags", "has no tag"],
    ["a container without an image", pod({ containers: [container({ image: undefined })] }), "multinet-image-tags", "container app has no image"],
    ["an init container tagged latest", workload("DaemonSet", { initContainers: [container({ name: "init", image: "busybox:latest" })] }), "multinet-image-tags", "init container init image"],
    ["a CronJob's untagged image", workload("CronJob", { containers: [container({ image: "busybox" })] }), "multinet-image-tags", "CronJob kube-system/x: container app"],
    ["a patch that sets an image tagged latest", calicoPatch({ image: "calico/node:latest" }), "multinet-image-tags", "DaemonSet kube-system/calico-node: container calico-node"],
    ["a container without requests", pod({ containers: [container({ resources: { limits: { memory: "64Mi" } } })] }), "multinet-container-resources", "has no resources.requests.cpu, resources.requests.memory"],
    ["a container without a memory limit", pod({ containers: [container({ resources: { requests: bounded.requests, limits: { cpu: "1" } } })] }), "multinet-container-resources", "has no resources.limits.memory"],
    ["an init container without resources", workload("Deployment", { initContainers: [container({ name: "init", resources: undefined })] }), "multinet-container-resources", "init container init has no resources.requests.cpu, resources.requests.memory, resources.limits.memory"],
    ["a privileged container in a Deployment", workload("Deployment", { containers: [container({ securityContext: { privileged: true } })] }), "multinet-host-access", "Deployment kube-system/x: container app is privileged"],
    ["a pod on the host network", pod({ hostNetwork: true }), "multinet-host-access", "Pod default/sample: hostNetwork is true"],
    ["a pod in the host's IPC namespace", pod({ hostIPC: true }), "multinet-host-access", "hostIPC is true"],
    ["Multus's name without its component label", workload("DaemonSet", { hostPID: true }, { name: "kube-multus-ds" }), "multinet-host-access", "DaemonSet kube-system/kube-multus-ds: hostPID is true"],
    ["Multus's name and labels on a Deployment", workload("Deployment", { hostNetwork: true }, { name: "kube-multus-ds", labels: multusLabels }), "multinet-host-access", "hostNetwork is true"],
    ["a patch that makes calico-node privileged", calicoPatch({ securityContext: { privileged: true } }), "multinet-host-access", "container calico-node is privileged"],
    ["a privileged container in the Flannel DaemonSet", flannel({ containers: [privilegedContainer] }), "multinet-host-access", "DaemonSet kube-flannel/kube-flannel-ds: container app is privileged; only DaemonSet kube-multus-ds, DaemonSet multinet-cni-plugins, DaemonSet whereabouts and DaemonSet multi-networkpolicy-ds-amd64 may run privileged containers"],
    ["a privileged init container in the Flannel DaemonSet", flannel({ initContainers: [{ ...privilegedContainer, name: "init" }] }), "multinet-host-access", "init container init is privileged"],
    ["the Flannel DaemonSet in the host's PID namespace", flannel({ hostPID: true }), "multinet-host-access", "DaemonSet kube-flannel/kube-flannel-ds: hostPID is true; only DaemonSet kube-multus-ds may use hostPID"],
    ["the Flannel DaemonSet in the host's IPC namespace", flannel({ hostIPC: true }), "multinet-host-access", "hostIPC is true; nothing multinet deploys may use hostIPC"],
    ["the Multus DaemonSet in the host's IPC namespace", multus({ hostIPC: true }), "multinet-host-access", "DaemonSet kube-system/kube-multus-ds: hostIPC is true; nothing multinet deploys may use hostIPC"],
    ["the Flannel DaemonSet without a namespace", flannel({}, { namespace: "" }), "multinet-host-access", "hostNetwork is true"],
    ["a NAD config that is not JSON", nad("{cniVersion: 0.3.1}"), "multinet-nad-config", "NetworkAttachmentDefinition default/net: spec.config is not valid JSON"],
    ["a NAD config that is a list", nad([]), "multinet-nad-config", "spec.config is not a JSON object"],
    ["a NAD config without cniVersion", nad({ type: "flannel" }), "multinet-nad-config", "spec.config has no cniVersion"],
    ["a NAD config without type", nad({ cniVersion: "0.3.1", name: "x" }), "multinet-nad-config", "spec.config has no type"],
    ["a conflist plugin without type", nad({ cniVersion: "0.3.1", name: "x", plugins: [{ type: "macvlan" }, { table: 100 }] }), "multinet-nad-config", "spec.config has no type in plugins[1]"],
    ["a conflist without plugins", nad({ cniVersion: "0.3.1", name: "x", plugins: [] }), "multinet-nad-config", "has an empty or invalid plugins list"],
    ["a conflist without a name", nad({ cniVersion: "1.0.0", plugins: [{ type: "macvlan", master: "eth1" }, { type: "sbr" }] }), "multinet-nad-config", "NetworkAttachmentDefinition default/net: spec.config is a plugin list (conflist) without a name"],
    ["a conflist with an empty name", nad({ cniVersion: "1.0.0", name: "", plugins: [{ type: "macvlan" }] }), "multinet-nad-config", "without a name"],
    ["a NAD config with an unknown cniVersion", nad({ cniVersion: "0.5.0", type: "macvlan" }), "multinet-nad-config", 'spec.config has cniVersion "0.5.0"; supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0'],
    ["a conflist with an unknown cniVersion", nad({ cniVersion: "1.2.0", name: "x", plugins: [{ type: "macvlan" }] }), "multinet-nad-config", 'has cniVersion "1.2.0"'],
    ["a NAD config with a numeric cniVersion", nad({ cniVersion: 1, type: "macvlan" }), "multinet-nad-config", "has cniVersion 1; supported"],
    ["a NAD without spec.config", nad(undefined), "multinet-nad-config", "spec.config is missing"],
  ])("%s fails exactly the mandatory policy that forbids it", async (_, resource, policy, message) => {
    const failures = mandatory(await validate(resource));
    expect(failures.map((f) => f.policy)).toEqual([policy]);
    expect(failures[0].message).toContain(message);
  });

  it.each<[string, Resource]>([
    ["images pinned by digest", pod({ containers: [container({ image: `docker.io/library/nginx@${digest}` }), container({ name: "b", image: `nginx:1.29.3@${digest}` })] })],
    ["a calico-node patch that only sets env", calicoPatch({ env: [{ name: "IP_AUTODETECTION_METHOD", value: "interface=eth0" }] })],
    ["the Multus DaemonSet on the host", multus()],
    ["the Multus DaemonSet in another namespace", multus({}, { namespace: "multus-system" })],
    ["the Flannel DaemonSet on the host network, with NET_ADMIN and NET_RAW", flannel()],
    ["a tag that names a build, not a branch", pod({ containers: [container({ image: `registry.example.com:5000/multus:snapshot-20250101@${digest}` }), container({ name: "b", image: `flannel:main-3f2a9c1@${digest}` })] })],
    ["a floating tag pinned by digest", pod({ containers: [container({ image: `nginx:stable@${digest}` })] })],
    ["a NAD config of CNI 0.1.0", nad({ cniVersion: "0.1.0", type: "bridge" })],
    ["a valid conflist", nad({ cniVersion: "1.0.0", name: "storage", plugins: [{ type: "macvlan", master: "eth1" }, { type: "sbr" }] })],
    ["numeric quantities", pod({ containers: [container({ image: `nginx@${digest}`, resources: { requests: { cpu: 1, memory: 1048576 }, limits: { memory: 2097152 } } })] })],
    ["a ConfigMap", { type: "kubernetes:core/v1:ConfigMap", name: "default/x", inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: {} } }],
    ["the Kubernetes provider", { type: "pulumi:providers:kubernetes", name: "default", inputs: { kind: "Pod", spec: { hostNetwork: true } } }],
    ["a YAML component without an object", { type: "kubernetes:yaml/v2:ConfigGroup", name: "x", inputs: { files: ["x.yaml"] } }],
  ])("%s passes every policy, advisory ones included", async (_, resource) => {
    expect(await validate(resource)).toEqual([]);
  });

  it.each<[string, Resource, string]>([
    ["without a namespace", multus({}, { namespace: undefined }), "DaemonSet kube-multus-ds"],
    ["with Flannel's component label", multus({}, { labels: flannelLabels }), "DaemonSet kube-system/kube-multus-ds"],
  ])("judges the Multus DaemonSet %s like any other workload: every host access is a violation", async (_, resource, object) => {
    expect(mandatory(await validate(resource)).map((f) => `${f.policy}: ${f.message}`)).toEqual([
      `multinet-host-access: ${object}: hostNetwork is true; only DaemonSet kube-multus-ds, DaemonSet kube-flannel-ds, DaemonSet multinet-cni-plugins, DaemonSet whereabouts and DaemonSet multi-networkpolicy-ds-amd64 may use hostNetwork`,
      `multinet-host-access: ${object}: hostPID is true; only DaemonSet kube-multus-ds may use hostPID`,
      `multinet-host-access: ${object}: container app is privileged; only DaemonSet kube-multus-ds, DaemonSet multinet-cni-plugins, DaemonSet whereabouts and DaemonSet multi-networkpolicy-ds-amd64 may run privileged containers`,
    ]);
  });

  it("flags a tag-pinned image as advisory only", async () => {
    expect(await validate(pod())).toEqual([{
      policy: "multinet-image-digests", level: "advisory",
      message: 'Pod default/sample: container app image "docker.io/library/nginx:1.29.3" is not pinned by digest (@sha256:…)',
    }]);
  });
});

describe("the rules' helpers", () => {
  it.each<[string, string | undefined]>([
    ["nginx:1.29.3", undefined],
    ["registry.example.com:5000/mirror/nginx:1.29.3", undefined],
    [`nginx@${digest}`, undefined],
    ["nginx", "has no tag (it would pull latest); pin a release tag or a digest"],
    ["localhost:5000/nginx", "has no tag (it would pull latest); pin a release tag or a digest"],
    ["nginx:latest", "is tagged latest, a floating tag; pin a release tag or a digest"],
    ["nginx:", "has an empty tag; pin a release tag or a digest"],
    ["registry.example.com:5000/nginx:", "has an empty tag; pin a release tag or a digest"],
    [`nginx:@${digest}`, "has an empty tag; pin a release tag or a digest"],
    ["nginx:-1", 'has an invalid tag "-1"'],
    ["nginx:1.29.3:x", 'has an invalid tag "1.29.3:x"'],
    ["multus-cni:v4.2.4-thick", undefined],
    ["flannel-cni-plugin:v1.9.1-flannel3", undefined],
    ["multus-cni:snapshot-20250101", undefined],
    ["flannel:main-3f2a9c1", undefined],
    ["nginx:1.29-stable", undefined],
    ["app:maintenance", undefined],
    [`nginx:1.29.3@${digest}`, undefined],
    [`nginx@sha256:${"0".repeat(63)}`, "has an invalid digest; expected @sha256:<64 hex digits>"],
  ])("imageTagProblem(%s)", (image, problem) => {
    expect(imageTagProblem(image)).toBe(problem);
  });

  it.each([
    "latest", "LATEST", "latest-thick", "thick-latest", "snapshot", "snapshot-thick", "main", "master", "mainline", "stable", "stable-alpine",
    "edge", "nightly", "canary", "dev", "develop", "head", "trunk", "testing", "unstable", "rolling", "latest_thick",
  ])("treats the floating tag %s as a floating tag", (tag) => {
    expect(imageTagProblem(`ghcr.io/example/app:${tag}`)).toBe(`is tagged ${tag}, a floating tag; pin a release tag or a digest`);
  });

  it("judges floating tags by the same expression as the stack config validation (lib/config/versions.ts)", () => {
    // The pack imports nothing outside policy/, so it holds a copy; this keeps the copy exact.
    expect(floatingImageTag.source).toBe(configFloatingImageTag.source);
    expect(floatingImageTag.flags).toBe(configFloatingImageTag.flags);
  });

  it("accepts exactly the CNI versions libcni knows, in a plugin config and a conflist alike", () => {
    expect(cniVersions).toEqual(["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]);
    for (const cniVersion of cniVersions) {
      expect(cniConfigProblems(JSON.stringify({ cniVersion, type: "bridge" })), cniVersion).toEqual([]);
      expect(cniConfigProblems(JSON.stringify({ cniVersion, name: "n", plugins: [{ type: "bridge" }] })), cniVersion).toEqual([]);
    }
    for (const cniVersion of ["0.3", "1.0", "v1.0.0", "2.0.0", " 1.0.0"]) {
      expect(cniConfigProblems(JSON.stringify({ cniVersion, type: "bridge" })), cniVersion).toEqual([expect.stringContaining("has cniVersion")]);
    }
  });

  it("refuses what a raw NAD could smuggle in: a plugin path, an IPAM without type, a config above 64 KiB", () => {
    expect(cniConfigProblems(JSON.stringify({ cniVersion: "1.0.0", type: "/opt/evil/bin", ipam: {} })))
      .toEqual(['has type "/opt/evil/bin", which is not a plugin file name', "has an ipam without type"]);
    expect(cniConfigProblems(JSON.stringify({ cniVersion: "1.0.0", name: "n", plugins: [{ type: "bridge" }, { type: "../sh" }] })))
      .toEqual(['has type "../sh" in plugins[1], which is not a plugin file name']);
    const big = JSON.stringify({ cniVersion: "1.0.0", type: "bridge", pad: "x".repeat(cniConfigByteLimit) });
    expect(cniConfigProblems(big)).toEqual([`is ${big.length} bytes; allowed: at most 65536`]);
    // The same limit the stack config applies to raw networks.
    expect(cniConfigByteLimit).toBe(rawConfigByteLimit);
  });

  it("names every problem of a conflist at once", () => {
    expect(cniConfigProblems(JSON.stringify({ plugins: [{}] }))).toEqual(["has no cniVersion", "is a plugin list (conflist) without a name", "has no type in plugins[0]"]);
  });

  it("finds the pod spec of every workload kind, and none elsewhere", () => {
    for (const kind of ["DaemonSet", "Deployment", "StatefulSet", "ReplicaSet", "Job", "CronJob"]) {
      expect(podSpecOf(workload(kind, {}).inputs), kind).toEqual({ containers: [container()] });
    }
    expect(podSpecOf(pod().inputs)).toEqual({ containers: [container()] });
    expect(podSpecOf({ kind: "ConfigMap", data: {} })).toBeUndefined();
    expect(podSpecOf({ kind: "Deployment" } as KubeObject)).toBeUndefined();
  });

  it("names every kind of container", () => {
    const spec = { initContainers: [{ name: "i" }], containers: [{ name: "c" }, {}], ephemeralContainers: [{ name: "e" }] };
    expect(containersOf(pod(spec).inputs).map((c) => c.label)).toEqual(["init container i", "container c", "container #1", "ephemeral container e"]);
  });

  it("treats only kubernetes:* types with an object as objects, *Patch types as patches", () => {
    expect(kubernetesObject({ type: "kubernetes:apps/v1:DaemonSetPatch", props: { kind: "DaemonSet" } })?.context).toEqual({ patch: true });
    expect(kubernetesObject({ type: "kubernetes:apps/v1:DaemonSet", props: { kind: "DaemonSet" } })?.context).toEqual({ patch: false });
    expect(kubernetesObject({ type: "pulumi:providers:kubernetes", props: { kind: "Pod" } })).toBeUndefined();
    expect(kubernetesObject({ type: "kubernetes:helm.sh/v4:Chart", props: { chart: "x" } })).toBeUndefined();
  });

  it("allows the host to the Multus, Flannel, CNI plugins, whereabouts and MultiNetworkPolicy DaemonSets only, and never hostIPC", () => {
    expect(hostAccessAllowed.map((a) => `${a.kind}/${a.name}/${a.component}: ${a.grants.join(", ")}`)).toEqual([
      "DaemonSet/kube-multus-ds/multus: privileged, hostNetwork, hostPID",
      "DaemonSet/kube-flannel-ds/flannel: hostNetwork",
      "DaemonSet/multinet-cni-plugins/cni-plugins: privileged, hostNetwork",
      "DaemonSet/whereabouts/whereabouts: privileged, hostNetwork",
      "DaemonSet/multi-networkpolicy-ds-amd64/multi-networkpolicy: privileged, hostNetwork",
    ]);
  });

  it("grants host access by kind, name, component label and a namespace, whichever namespace it is", () => {
    expect(hostAccessGranted(multus().inputs)).toEqual(["privileged", "hostNetwork", "hostPID"]);
    expect(hostAccessGranted(multus({}, { namespace: "multus" }).inputs)).toEqual(["privileged", "hostNetwork", "hostPID"]);
    expect(hostAccessGranted(flannel().inputs)).toEqual(["hostNetwork"]);
    expect(hostAccessGranted(multus({}, { namespace: undefined }).inputs)).toEqual([]);
    expect(hostAccessGranted(multus({}, { labels: { "app.kubernetes.io/component": "multus-x" } }).inputs)).toEqual([]);
    expect(hostAccessGranted(flannel({}, { name: "kube-flannel" }).inputs)).toEqual([]);
    expect(hostAccessGranted(workload("Deployment", {}, { name: "kube-flannel-ds", labels: flannelLabels }).inputs)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The pack
// ---------------------------------------------------------------------------------------------

const policyDir = path.join(repoRoot, "policy");

describe("the policy pack", () => {
  it("has four mandatory policies and one advisory, each named, described and with remediation steps", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["multinet-image-tags", "mandatory"],
      ["multinet-container-resources", "mandatory"],
      ["multinet-host-access", "mandatory"],
      ["multinet-nad-config", "mandatory"],
      ["multinet-image-digests", "advisory"],
    ]);
    for (const p of policies) {
      expect(p.description, p.name).toMatch(/\.$/);
      expect(p.remediationSteps, p.name).toEqual(expect.any(String));
    }
  });

  it("is a Node.js pack with its own locked dependencies on the program's SDK line", () => {
    expect(parse(readFileSync(path.join(policyDir, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: "nodejs" });
    const pack = JSON.parse(readFileSync(path.join(policyDir, "package.json"), "utf8"));
    const root = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    // PolicyPack reads its version from package.json in the directory Pulumi runs it in.
    expect(pack.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pack.dependencies["@pulumi/pulumi"]).toBe(root.dependencies["@pulumi/pulumi"]);
    expect(pack.dependencies["@pulumi/policy"]).toBe(root.devDependencies["@pulumi/policy"]);
    const lock = JSON.parse(readFileSync(path.join(policyDir, "package-lock.json"), "utf8"));
    expect(Object.keys(lock.packages)).toEqual(expect.arrayContaining(["node_modules/@pulumi/policy", "node_modules/@pulumi/pulumi"]));
  });

  describe("served as `pulumi preview --policy-pack policy` serves it", () => {
    let pack: ChildProcess;
    let client: AnalyzerClient;
    let stderr = "";

    beforeAll(async () => {
      // Pulumi's Node.js analyzer host: @pulumi/pulumi's run-policy-pack, in the pack's directory, with
      // ts-node type-checking the pack. It prints the port of its gRPC server.
      const runPolicyPack = createRequire(path.join(policyDir, "package.json")).resolve("@pulumi/pulumi/cmd/run-policy-pack");
      pack = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], { cwd: policyDir, stdio: ["ignore", "pipe", "pipe"] });
      pack.stderr!.on("data", (chunk) => { stderr += String(chunk); });
      const port = await new Promise<string>((resolve, reject) => {
        let stdout = "";
        pack.stdout!.on("data", (chunk) => {
          stdout += String(chunk);
          const match = /^(\d+)\s*$/m.exec(stdout);
          if (match) resolve(match[1]);
        });
        pack.on("exit", (code) => reject(new Error(`the policy pack exited with ${code}: ${stderr}`)));
      });
      client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    }, 60_000);

    afterAll(() => {
      client?.close();
      pack?.kill();
    });

    const call = <T>(fn: (callback: (error: grpc.ServiceError | null, response: T) => void) => void) =>
      new Promise<T>((resolve, reject) => fn((error, response) => (error ? reject(error) : resolve(response))));

    async function analyze({ type, name, inputs }: Resource): Promise<Array<{ policy: string; level: EnforcementLevel; message: string }>> {
      const request = new AnalyzeRequest()
        .setType(type).setName(name).setUrn(`urn:pulumi:test::multinet::${type}::${name}`)
        .setProperties(Struct.fromJavaScript(inputs))
        .setOptions(new AnalyzerResourceOptions());
      const response = await call<{ getDiagnosticsList(): any[] }>((cb) => client.analyze(request, cb));
      return response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
    }

    it("announces the pack and its policies", async () => {
      const info = await call<any>((cb) => client.getAnalyzerInfo(new Empty(), cb));
      expect(info.getName()).toBe("multinet");
      expect(info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()])).toEqual(
        policies.map((p) => [p.name, p.enforcementLevel === "mandatory" ? EnforcementLevel.MANDATORY : EnforcementLevel.ADVISORY]));
    });

    it.each(stackNames())("reports no mandatory violation for stack %s", async (stack) => {
      for (const resource of stackObjects.get(stack)!) {
        const diagnostics = await analyze(resource);
        expect(diagnostics.filter((d) => d.level === EnforcementLevel.MANDATORY), resource.name).toEqual([]);
      }
    });

    it("reports a crafted violation as mandatory", async () => {
      expect(await analyze(pod({ hostNetwork: true, containers: [container({ image: `nginx:latest` })] }))).toEqual([
        // Pulumi prints the policy's description, then the violation.
        { policy: "multinet-image-tags", level: EnforcementLevel.MANDATORY, message: `${policies[0].description}\nPod default/sample: container app image "nginx:latest" is tagged latest, a floating tag; pin a release tag or a digest` },
        { policy: "multinet-host-access", level: EnforcementLevel.MANDATORY, message: expect.stringContaining("hostNetwork is true") },
        { policy: "multinet-image-digests", level: EnforcementLevel.ADVISORY, message: expect.stringContaining("is not pinned by digest") },
      ]);
    });
  });
});

