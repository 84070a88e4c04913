/**
 * whereabouts: its CRDs, RBAC, the reconciler's schedule, the DaemonSet that installs the binary and
 * its config on every node and runs the pod controller, and the IP reconciler Deployment; modelled
 * on doc/crds/daemonset-install.yaml and reconciler-deployment.yaml at v0.9.4 (commit 3a262bd0).
 * test/upstream.test.ts lists every deliberate difference.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { WhereaboutsConfig } from "../config";
import { commonLabels, nodeDaemonSet, resourceRequirements, type Crd, type Named, type NodeDaemonSet } from "./objects";
import { whereaboutsCrds } from "./whereaboutsCrds";

const name = "whereabouts";
const reconcilerName = "whereabouts-reconciler";
const cronConfigMap = "whereabouts-config";
const labels = { ...commonLabels("whereabouts"), tier: "node", app: name, name };
const reconcilerLabels = { ...commonLabels("whereabouts"), tier: "node", app: reconcilerName, name: reconcilerName };

export interface WhereaboutsObjects {
  crds: Crd[];
  serviceAccount: Named<IServiceAccount>;
  clusterRole: Named<IClusterRole, false>;
  clusterRoleBinding: Named<IClusterRoleBinding, false>;
  cronConfig: Named<IConfigMap>;
  daemonSet: NodeDaemonSet;
  reconciler: Named<IDeployment> & Required<Pick<IDeployment, "spec">>;
}

export function whereaboutsImage(config: WhereaboutsConfig): string {
  return `${config.imageRepository}:${config.version}`;
}

/** Where whereabouts keeps its pools: the namespace install-cni.sh writes into its kubeconfig (script/lib.sh:83). */
const namespaceEnv: IEnvVar = { name: "WHEREABOUTS_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } };

/** The ClusterRole whereabouts-cni, rule for rule as daemonset-install.yaml:22-77 grants it. */
const rules: IClusterRole["rules"] = [
  {
    apiGroups: ["whereabouts.cni.cncf.io"],
    resources: ["ippools", "overlappingrangeipreservations", "nodeslicepools"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["*"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch", "get"] },
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["k8s.cni.cncf.io"], resources: ["network-attachment-definitions"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update", "get"] },
];

export function whereaboutsObjects(config: WhereaboutsConfig): WhereaboutsObjects {
  const namespace = config.namespace;
  const image = whereaboutsImage(config);
  return {
    crds: whereaboutsCrds(),
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels } },
    clusterRole: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "whereabouts-cni", labels }, rules },
    clusterRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "whereabouts-cni" },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
    cronConfig: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: cronConfigMap, namespace, labels },
      data: { "cron-expression": config.reconcilerSchedule },
    },
    daemonSet: nodeDaemonSet({
      name,
      namespace,
      labels,
      selector: { name },
      scheduling: config,
      podSpec: {
        serviceAccountName: name,
        containers: [{
          name,
          image,
          // install-cni.sh copies the binary and writes whereabouts.d/{whereabouts.conf,whereabouts.kubeconfig}
          // (script/install-cni.sh:18-34); token-watcher.sh rewrites the kubeconfig when the token
          // rotates; ip-control-loop frees the addresses of deleted pods.
          command: ["/bin/sh"],
          args: ["-c", `SLEEP=false source /install-cni.sh\n/token-watcher.sh &\n/ip-control-loop -log-level ${config.logLevel}\n`],
          env: [
            { name: "NODENAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } },
            namespaceEnv,
          ],
          resources: resourceRequirements(config.resources),
          securityContext: { privileged: true },
          volumeMounts: [
            { name: "cnibin", mountPath: "/host/opt/cni/bin" },
            { name: "cni-net-dir", mountPath: "/host/etc/cni/net.d" },
          ],
        }],
        volumes: [
          { name: "cnibin", hostPath: { path: "/opt/cni/bin" } },
          { name: "cni-net-dir", hostPath: { path: "/etc/cni/net.d" } },
        ],
      },
    }),
    reconciler: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: reconcilerName, namespace, labels: reconcilerLabels },
      spec: {
        // Upstream: no leader election, so exactly one replica (reconciler-deployment.yaml:11-12).
        replicas: 1,
        selector: { matchLabels: { name: reconcilerName } },
        template: {
          metadata: { labels: reconcilerLabels },
          spec: {
            serviceAccountName: name,
            containers: [{
              name: reconcilerName,
              image,
              command: ["/ip-reconciler"],
              args: ["-log-level", config.logLevel],
              env: [namespaceEnv],
              resources: resourceRequirements(config.reconcilerResources),
              // The reconciler reads its schedule from /cron-schedule/config and follows changes (cmd/reconciler/main.go:18,60-77).
              volumeMounts: [{ name: "cron-scheduler-configmap", mountPath: "/cron-schedule" }],
            }],
            volumes: [{
              name: "cron-scheduler-configmap",
              configMap: { name: cronConfigMap, defaultMode: 0o744, items: [{ key: "cron-expression", path: "config" }] },
            }],
          },
        },
      },
    },
  };
}
