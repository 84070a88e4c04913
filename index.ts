/**
 * multinet: Multus, Flannel as an attachment network, a Calico autodetection pin, NADs,
 * whereabouts, MultiNetworkPolicy and a sample pod, configured per stack
 * (stacks/Pulumi.<stack>.yaml, keys under `multinet:`).
 */
import * as pulumi from "@pulumi/pulumi";
import { CalicoAutodetection } from "./components/calicoAutodetection";
import { CniPlugins } from "./components/cniPlugins";
import { FlannelAttachment } from "./components/flannelAttachment";
import { MultiNetworkPolicy } from "./components/multiNetworkPolicy";
import { Multus } from "./components/multus";
import { NetworkAttachment } from "./components/networkAttachment";
import { NetworkNamespace } from "./components/networkNamespace";
import { NetworkPolicies } from "./components/networkPolicies";
import { awaitDiagnosisHook } from "./components/awaitDiagnosis";
import { configHasSecrets } from "./components/clusterCheck";
import { Preflight } from "./components/preflight";
import { SamplePod } from "./components/samplePod";
import { Verification } from "./components/verification";
import { Whereabouts } from "./components/whereabouts";
import { createdNetworkNamespaces, formatConfigErrors, nadReference, validateStackConfig } from "./lib/config";

// Validate the whole stack before the first resource is registered: a bad stack never half-deploys.
const result = validateStackConfig(pulumi.runtime.allConfig());
if (!result.ok) throw new pulumi.RunError(formatConfigErrors(result.errors));
const config = result.config;
const stack = pulumi.getStack();
const kubernetesConfig = new pulumi.Config("kubernetes");
const kubeContext = kubernetesConfig.get("context");
// The provider's own switch for applying over existing objects (docs/migrating.md); its config key
// wins over the environment variable (pulumi-kubernetes provider/pkg/provider/provider.go:683-691).
const adoptExisting = kubernetesConfig.getBoolean("upsertExistingObjects") ?? process.env.PULUMI_K8S_UPSERT_EXISTING_OBJECTS === "true";
const secretConfig = configHasSecrets();

// The cluster states that make Flannel as an attachment fail, checked before anything changes.
const preflightCheck = config.verification.preflight.enabled ? new Preflight("preflight", { stack, config, kubeContext, secretConfig, adoptExisting }) : undefined;
const afterPreflight = preflightCheck ? [preflightCheck] : [];

// When a wait for a rollout or the pod fails, the verifier looks at the cluster and says why.
const hooks = { onError: [awaitDiagnosisHook({ stack, config, kubeContext, secretConfig })] };
const agentOptions = { dependsOn: afterPreflight, hooks };

const multus = new Multus("multus", config.multus, agentOptions);
const flannel = config.flannel.enabled ? new FlannelAttachment("flannel", config.flannel, agentOptions) : undefined;
const calico = config.calico.mode !== "none" ? new CalicoAutodetection("calico-autodetection", config.calico, agentOptions) : undefined;
const whereabouts = config.whereabouts.enabled ? new Whereabouts("whereabouts", config.whereabouts, agentOptions) : undefined;
const policyEnforcer = config.multiNetworkPolicy.enabled
  ? new MultiNetworkPolicy("multi-networkpolicy", config.multiNetworkPolicy, agentOptions)
  : undefined;
const cniPlugins = config.cniPlugins.enabled ? new CniPlugins("cni-plugins", config.cniPlugins, agentOptions) : undefined;
// NAD namespaces the stack asks multinet to create; every other one must exist (the preflight checks).
const nadNamespaces = new Map(createdNetworkNamespaces(config).map((name) =>
  [name, new NetworkNamespace(name, { dependsOn: afterPreflight }).namespace]));
const ownNamespace = (name: string) => nadNamespaces.get(name) ?? (name === config.flannel.namespace ? flannel?.namespace : undefined);
const attachments = config.networks.map((network) => {
  const namespace = ownNamespace(network.namespace);
  return new NetworkAttachment(`${network.namespace}/${network.name}`, network, { dependsOn: [multus.crd, ...afterPreflight, ...(namespace ? [namespace] : [])] });
});

const policies = policyEnforcer && config.policies.length
  ? new NetworkPolicies("policies", config.policies, { dependsOn: [policyEnforcer.crd, ...attachments, ...afterPreflight] })
  : undefined;

// Multus, Flannel, whereabouts, the policy enforcer, the Calico patch and the CNI plugins, rolled out.
const nodeAgents = [multus, flannel, whereabouts, policyEnforcer, calico, cniPlugins]
  .filter((agent): agent is NonNullable<typeof agent> => agent !== undefined);

const podAttachments = config.samplePod.networks.map((ref) =>
  attachments.find((nad) => nad.reference === nadReference(ref, config.samplePod.namespace))!);
const pod = config.samplePod.enabled
  ? new SamplePod("sample-pod", config.samplePod, podAttachments, { dependsOn: [...afterPreflight, ...nodeAgents, ...podAttachments, ...(policies ? [policies] : [])], hooks })
  : undefined;

// After the deploy: does the multi-network setup work?
const verifier = config.verification.enabled
  ? new Verification("verification", { stack, config, kubeContext, secretConfig, podUid: pod?.pod.metadata.uid }, {
    dependsOn: [...nodeAgents, ...attachments, ...(policies ? [policies] : []), ...(pod ? [pod] : [])],
  })
  : undefined;

export const multusImage = multus.image;
export const flannelNetwork = flannel?.network;
export const networkAttachments = attachments.map((nad) => nad.reference);
export const whereaboutsImage = whereabouts?.image;
export const multiNetworkPolicies = policies?.references;
export const samplePod = pod?.pod.metadata.name;
export const samplePodNetworks = pod?.networks;
export const preflight = preflightCheck?.report;
export const verification = verifier?.report;
