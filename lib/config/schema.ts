/** The whole stack: one schema per `multinet:` key, and the types the rest of the program uses. */
import type { z } from "zod";
import { calicoSchema } from "./calico";
import { cniPluginsSchema } from "./cniPlugins";
import { flannelSchema } from "./flannel";
import { multiNetworkPolicySchema } from "./multiNetworkPolicy";
import { multusSchema } from "./multus";
import { networksSchema } from "./networks";
import { policiesSchema } from "./policies";
import { samplePodSchema } from "./samplePod";
import { strict } from "./values";
import { verificationSchema } from "./verification";
import { whereaboutsSchema } from "./whereabouts";

export const stackConfigSchema = strict({
  multus: multusSchema,
  flannel: flannelSchema,
  calico: calicoSchema,
  cniPlugins: cniPluginsSchema,
  networks: networksSchema,
  whereabouts: whereaboutsSchema,
  multiNetworkPolicy: multiNetworkPolicySchema,
  policies: policiesSchema,
  samplePod: samplePodSchema,
  verification: verificationSchema,
});

export type StackConfig = z.output<typeof stackConfigSchema>;
export type MultusConfig = StackConfig["multus"];
export type FlannelConfig = StackConfig["flannel"];
export type FlannelBackend = FlannelConfig["backend"];
export type CalicoConfig = StackConfig["calico"];
export type CniPluginsConfig = StackConfig["cniPlugins"];
export type AutodetectionMethod = NonNullable<CalicoConfig["ipv4Autodetection"]>;
export type NetworkConfig = StackConfig["networks"][number];
export type IpamConfig = NonNullable<Extract<NetworkConfig, { ipam?: unknown }>["ipam"]>;
/** Every network but `raw`: those multinet builds the CNI config of. */
export type TypedNetworkConfig = Exclude<NetworkConfig, { type: "raw" }>;

/** A network's IPAM: undefined for flannel (its plugin brings its own), raw and host-device without one. */
export function ipamOf(network: NetworkConfig): IpamConfig | undefined {
  return "ipam" in network ? network.ipam : undefined;
}
export type SamplePodConfig = StackConfig["samplePod"];
export type WhereaboutsConfig = StackConfig["whereabouts"];
export type MultiNetworkPolicyConfig = StackConfig["multiNetworkPolicy"];
export type PolicyConfig = StackConfig["policies"][number];
export type ResourcesConfig = MultusConfig["resources"];
