/**
 * `multinet:multiNetworkPolicy`: the MultiNetworkPolicy CRD and the multi-networkpolicy-iptables
 * daemon, which writes each policy as iptables rules into the pods' network namespaces. As upstream
 * ships them: k8snetworkplumbingwg/multi-networkpolicy scheme.yml and multi-networkpolicy-iptables
 * deploy.yml (commits in versions.ts).
 */
import { z } from "zod";
import { maxUnavailableSchema, resourcesSchema, schedulingFields, timeoutSecondsSchema } from "./pods";
import { image } from "./kubernetes";
import { dnsLabel, strict } from "./values";

/**
 * The NAD types (the type of the NAD's plugin, or of its first plugin in a conflist:
 * pkg/controllers/net-attach-def.go:233-247) whose interfaces the daemon polices, passed as
 * `--network-plugins` (default macvlan: pkg/server/options.go:76). Upstream documents and tests
 * macvlan, ipvlan, SR-IOV and bond (e2e/tests/bond-cni.yml); flannel and bridge attachments are not
 * among them.
 */
export const policedNetworkTypes = ["macvlan", "ipvlan", "sriov", "bond"] as const;

const socketPath = z.string().regex(/^\/[\w./-]+\.sock$/, "must be an absolute path to a .sock file, e.g. /run/containerd/containerd.sock");

export const multiNetworkPolicySchema = strict({
  enabled: z.boolean().default(false).meta({ description: "deploy the MultiNetworkPolicy CRD and its iptables enforcer; required by `multinet:policies`" }),
  namespace: dnsLabel.default("kube-system").meta({ description: "namespace of the enforcer's DaemonSet and ServiceAccount" }),
  image: image.optional().meta({
    description: "required when enabled: the enforcer's image, pinned by digest (`ghcr.io/k8snetworkplumbingwg/multi-networkpolicy-iptables@sha256:…`) or a release-style tag of your own build. Upstream publishes only floating tags (`latest`, `snapshot`, `stable`), so multinet has no default",
  }),
  containerRuntimeEndpoint: socketPath.default("/run/crio/crio.sock").meta({ description: "the node's CRI socket the enforcer finds pods' network namespaces through (upstream's default is CRI-O's; containerd: `/run/containerd/containerd.sock`)" }),
  networkPlugins: z.array(z.enum(policedNetworkTypes)).min(1).default(["macvlan"]).meta({
    description: `NAD types the enforcer polices (\`--network-plugins\`): ${policedNetworkTypes.map((t) => `\`${t}\``).join(", ")}; a policy for a NAD of another type is an error`,
  }),
  // Upstream's DaemonSet requests 100m/80Mi with a 150Mi memory limit (deploy.yml).
  resources: resourcesSchema("the enforcer", { cpu: "100m", memory: "80Mi", memoryLimit: "150Mi" }),
  timeoutSeconds: timeoutSecondsSchema("the enforcer DaemonSet's rollout"),
  maxUnavailable: maxUnavailableSchema,
  ...schedulingFields([{ operator: "Exists", effect: "NoSchedule" }]),
  // Upstream builds the image for linux/amd64 only (.github/workflows/push-master.yml:37).
  nodeSelector: z.record(z.string(), z.string()).default({ "kubernetes.io/arch": "amd64" }).meta({ description: "node selector of the DaemonSet's pods; upstream's image is amd64 only" }),
}).prefault({}).meta({ description: "MultiNetworkPolicy: NetworkPolicy for attachment networks, enforced with iptables inside the pods." });
