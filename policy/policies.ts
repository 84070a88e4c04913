/**
 * The policies of the multinet pack: each wires one rule of rules.ts to every Kubernetes object
 * the program declares. Kept apart from index.ts, which only serves them, so tests can call them.
 */
import type { EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import {
  hostAccessViolations, imageDigestViolations, imageTagViolations, nadConfigViolations, resourceViolations,
  type KubeObject, type Rule, type RuleContext,
} from "./rules";

/**
 * The object behind a resource, when it is one: `kubernetes:<group>/<version>:<Kind>` types carry
 * the object as their props; `…Patch` types carry a partial one. Providers (`pulumi:providers:…`)
 * and components without an object (yaml/helm groups) have no `kind` and are skipped.
 */
export function kubernetesObject(args: Pick<ResourceValidationArgs, "type" | "props">): { object: KubeObject; context: RuleContext } | undefined {
  if (!args.type.startsWith("kubernetes:") || typeof args.props?.kind !== "string") return undefined;
  return { object: args.props as KubeObject, context: { patch: args.type.endsWith("Patch") } };
}

function policy(name: string, enforcementLevel: EnforcementLevel, rule: Rule, text: { description: string; remediationSteps: string }): ResourceValidationPolicy {
  return {
    name,
    enforcementLevel,
    ...text,
    validateResource: (args, reportViolation) => {
      const target = kubernetesObject(args);
      if (!target) return;
      for (const message of rule(target.object, target.context)) reportViolation(message);
    },
  };
}

export const policies: ResourceValidationPolicy[] = [
  policy("multinet-image-tags", "mandatory", imageTagViolations, {
    description: "Every container image is pinned: a release tag (not a floating one such as latest, snapshot or main) or a digest.",
    remediationSteps: "Pin the version in lib/config/versions.ts or the stack's `version`/`image` key.",
  }),
  policy("multinet-container-resources", "mandatory", resourceViolations, {
    description: "Every container requests CPU and memory and has a memory limit.",
    remediationSteps: "Set resources in the builder, or the stack's `resources` key.",
  }),
  policy("multinet-host-access", "mandatory", hostAccessViolations, {
    description: "Only the Multus, CNI plugins installer, whereabouts and MultiNetworkPolicy DaemonSets run privileged containers; only Multus uses the host's PID namespace; only they and the Flannel DaemonSet use the host's network; nothing uses the host's IPC namespace.",
    remediationSteps: "Drop privileged/hostNetwork/hostPID/hostIPC; grant capabilities instead if the container needs some.",
  }),
  policy("multinet-nad-config", "mandatory", nadConfigViolations, {
    description: "Every NetworkAttachmentDefinition's spec.config (raw ones included) is at most 64 KiB of JSON with a known cniVersion, a plugin type that is a file name, an IPAM type where there is IPAM, and a name if it is a plugin list.",
    remediationSteps: "Use a typed network (lib/build/networks.ts builds its config), or fix the stack's raw `config`.",
  }),
  policy("multinet-image-digests", "advisory", imageDigestViolations, {
    description: "Container images are pinned by digest, so a re-pushed tag cannot change what runs.",
    remediationSteps: "Append @sha256:<digest> to the image reference (a mirror's imageRepository, or samplePod.image).",
  }),
];
