/**
 * MultiNetworkPolicy: the CRD, the enforcer's RBAC and its DaemonSet, modelled on
 * multi-networkpolicy-iptables' deploy.yml (commit cbf2b117). test/upstream.test.ts lists every
 * deliberate difference.
 */
import type { MultiNetworkPolicyConfig } from "../config";
import { multiNetworkPolicyCrd } from "./multiNetworkPolicyCrd";
import { commonLabels, nodeDaemonSet, resourceRequirements, serviceAccountRbac, type Crd, type NodeDaemonSet, type ServiceAccountRbac } from "./objects";

const name = "multi-networkpolicy";
const labels = { ...commonLabels("multi-networkpolicy"), tier: "node", app: name, name };

export interface MultiNetworkPolicyObjects extends ServiceAccountRbac {
  crd: Crd;
  daemonSet: NodeDaemonSet;
}

/** Validation demands the image when enabled; the builder is only called then. */
export function enforcerImage(config: MultiNetworkPolicyConfig): string {
  if (!config.image) throw new Error("multinet:multiNetworkPolicy.image is required when multiNetworkPolicy is enabled");
  return config.image;
}

export function multiNetworkPolicyObjects(config: MultiNetworkPolicyConfig): MultiNetworkPolicyObjects {
  const namespace = config.namespace;
  return {
    crd: multiNetworkPolicyCrd(commonLabels("multi-networkpolicy")),
    // deploy.yml's ClusterRole multi-networkpolicy, rule for rule.
    ...serviceAccountRbac(name, namespace, labels, [
      { apiGroups: ["k8s.cni.cncf.io"], resources: ["*"], verbs: ["*"] },
      { apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["list", "watch", "get"] },
      { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["watch", "list"] },
      { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
    ]),
    daemonSet: nodeDaemonSet({
      name: "multi-networkpolicy-ds-amd64",
      namespace,
      labels,
      selector: { name },
      scheduling: config,
      podSpec: {
        serviceAccountName: name,
        containers: [{
          name,
          image: enforcerImage(config),
          command: ["/usr/bin/multi-networkpolicy-iptables"],
          args: [
            // The host's / is at /host; the CRI socket path is taken relative to it (pkg/controllers/pod.go:542-543).
            "--host-prefix=/host",
            `--container-runtime-endpoint=${config.containerRuntimeEndpoint}`,
            "--pod-iptables=/var/lib/multi-networkpolicy/iptables",
            `--network-plugins=${config.networkPlugins.join(",")}`,
          ],
          resources: resourceRequirements(config.resources),
          securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN", "NET_ADMIN"] } },
          volumeMounts: [
            { name: "host", mountPath: "/host" },
            { name: "var-lib-multinetworkpolicy", mountPath: "/var/lib/multi-networkpolicy" },
          ],
        }],
        volumes: [
          { name: "host", hostPath: { path: "/" } },
          { name: "var-lib-multinetworkpolicy", hostPath: { path: "/var/lib/multi-networkpolicy" } },
        ],
      },
    }),
  };
}
