/**
 * Multus CNI: the NAD CustomResourceDefinition, RBAC, the daemon config and the DaemonSet, modelled
 * on upstream's deployments/multus-daemonset-thick.yml (thick) and multus-daemonset.yml (thin).
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { MultusConfig } from "../config";
import { commonLabels, nodeDaemonSet, resourceRequirements, serviceAccountRbac, type Crd, type Named, type NodeDaemonSet, type ServiceAccountRbac } from "./objects";

const name = "multus";
const hostCniConfDir = "/host/etc/cni/net.d";
const labels = { ...commonLabels("multus"), tier: "node", app: "multus", name: "multus" };

export interface MultusObjects extends ServiceAccountRbac {
  crd: Crd;
  /** The thick daemon's config; thin Multus takes its settings as flags instead. */
  daemonConfig?: Named<IConfigMap>;
  daemonSet: NodeDaemonSet;
}

export function multusImage(config: MultusConfig): string {
  return `${config.imageRepository}:${config.version}${config.mode === "thick" ? "-thick" : ""}`;
}

export function networkAttachmentDefinitionCrd(): MultusObjects["crd"] {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: "network-attachment-definitions.k8s.cni.cncf.io",
      labels: commonLabels("multus"),
      // Applied as a server-side-apply patch (components/multus.ts): created when missing, adopted
      // when it exists; our schema wins where another manager's differs.
      annotations: { "pulumi.com/patchFieldManager": "multinet-nad-crd", "pulumi.com/patchForce": "true" },
    },
    spec: {
      group: "k8s.cni.cncf.io",
      scope: "Namespaced",
      names: {
        plural: "network-attachment-definitions",
        singular: "network-attachment-definition",
        kind: "NetworkAttachmentDefinition",
        shortNames: ["net-attach-def"],
      },
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            description: "NetworkAttachmentDefinition is a CRD schema specified by the Network Plumbing Working Group to express the intent for attaching pods to one or more logical or physical networks.",
            type: "object",
            properties: {
              apiVersion: { type: "string" },
              kind: { type: "string" },
              metadata: { type: "object" },
              spec: {
                description: "NetworkAttachmentDefinition spec defines the desired state of a network attachment",
                type: "object",
                properties: { config: { description: "NetworkAttachmentDefinition config is a JSON-formatted CNI configuration", type: "string" } },
              },
            },
          },
        },
      }],
    },
  };
}

/** The thick daemon's daemon-config.json. */
export function multusDaemonConfig(config: MultusConfig): Record<string, unknown> {
  return {
    chrootDir: "/hostroot",
    cniVersion: config.cniVersion,
    logLevel: config.logLevel,
    logToStderr: true,
    cniConfigDir: hostCniConfDir,
    multusAutoconfigDir: hostCniConfDir,
    multusConfigFile: "auto",
    // Pin the delegate: "auto" alone takes the alphabetically first file, which races at boot.
    multusMasterCNI: config.primaryCniConfig,
    // Not the primary config itself: the daemon's watcher would then ignore Calico rewriting it
    // (multus-cni at versions.multus, pkg/server/config/manager.go:274-284; the schema explains).
    readinessindicatorfile: `${hostCniConfDir}/${config.readinessIndicatorFile}`,
    socketDir: "/host/run/multus/",
    connectionLimit: config.connectionLimit,
    ...multusNamespaceOptions(config),
  };
}

/**
 * The namespace options, only those the stack sets (unset keeps Multus's defaults). The daemon
 * copies every daemon-config key into each request's config (pkg/server/server.go:481-506 at
 * the pinned release), where pkg/types/types.go:48-66 reads them: `globalNamespaces` is one comma-separated
 * string, `defaultNetworks` NAD names looked up in `multusNamespace`.
 */
function multusNamespaceOptions(config: MultusConfig): Record<string, unknown> {
  return {
    ...(config.namespaceIsolation ? { namespaceIsolation: true } : {}),
    ...(config.globalNamespaces ? { globalNamespaces: config.globalNamespaces.join(",") } : {}),
    ...(config.defaultNetworks.length ? { defaultNetworks: config.defaultNetworks, multusNamespace: config.namespace } : {}),
    ...(config.systemNamespaces ? { systemNamespaces: config.systemNamespaces } : {}),
  };
}

interface HostPathMount {
  volume: string;
  hostPath: string;
  mountPath: string;
  propagation?: "HostToContainer" | "Bidirectional";
}

function hostPathVolumes(mounts: HostPathMount[]): IVolume[] {
  return mounts.map((m) => ({ name: m.volume, hostPath: { path: m.hostPath } }));
}

function volumeMounts(mounts: HostPathMount[]): IVolumeMount[] {
  return mounts.map((m) => ({
    name: m.volume,
    mountPath: m.mountPath,
    ...(m.propagation ? { mountPropagation: m.propagation } : {}),
  }));
}

const cniConfMount: HostPathMount = { volume: "cni", hostPath: "/etc/cni/net.d", mountPath: hostCniConfDir };

/** The thick daemon's host mounts; /opt/cni/bin must be at the same path as on the host. */
const thickMounts: HostPathMount[] = [
  cniConfMount,
  { volume: "cnibin", hostPath: "/opt/cni/bin", mountPath: "/opt/cni/bin" },
  { volume: "host-run", hostPath: "/run", mountPath: "/host/run" },
  { volume: "host-var-lib-cni-multus", hostPath: "/var/lib/cni/multus", mountPath: "/var/lib/cni/multus" },
  { volume: "host-var-lib-kubelet", hostPath: "/var/lib/kubelet", mountPath: "/var/lib/kubelet", propagation: "HostToContainer" },
  { volume: "host-run-k8s-cni-cncf-io", hostPath: "/run/k8s.cni.cncf.io", mountPath: "/run/k8s.cni.cncf.io" },
  { volume: "host-run-netns", hostPath: "/run/netns/", mountPath: "/run/netns", propagation: "HostToContainer" },
  { volume: "hostroot", hostPath: "/", mountPath: "/hostroot", propagation: "HostToContainer" },
  { volume: "multus-conf-dir", hostPath: "/etc/cni/multus/net.d", mountPath: "/etc/cni/multus/net.d" },
];

const thinMounts: HostPathMount[] = [
  cniConfMount,
  { volume: "cnibin", hostPath: "/opt/cni/bin", mountPath: "/host/opt/cni/bin" },
];

const daemonConfigMapName = "multus-daemon-config";
const daemonConfigVolume = "multus-daemon-config";

function installBinaryContainer(config: MultusConfig): IContainer {
  const install = config.mode === "thick" ? "/usr/src/multus-cni/bin/install_multus" : "/install_multus";
  return {
    name: "install-multus-binary",
    image: multusImage(config),
    command: [install, "-d", "/host/opt/cni/bin", "-t", config.mode],
    securityContext: { privileged: true },
    resources: { requests: { cpu: "10m", memory: "15Mi" }, limits: { memory: "50Mi" } },
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: [{ name: "cnibin", mountPath: "/host/opt/cni/bin", mountPropagation: "Bidirectional" }],
  };
}

function thickDaemonContainer(config: MultusConfig): IContainer {
  return {
    name: "kube-multus",
    image: multusImage(config),
    command: ["/usr/src/multus-cni/bin/multus-daemon"],
    env: [{ name: "MULTUS_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
    securityContext: { privileged: true },
    resources: resourceRequirements(config.resources),
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: [
      ...volumeMounts(thickMounts),
      { name: daemonConfigVolume, mountPath: "/etc/cni/net.d/multus.d", readOnly: true },
    ],
  };
}

/**
 * The thin entrypoint pins its delegate with --multus-master-cni-file-name (honoured since 4.1.0,
 * cmd/thin_entrypoint/main.go:318-319 there, 320-321 at versions.multus; 4.0.x parsed it but took
 * the first file by name). Its generated config is read by the multus binary on the host, so the
 * readiness file is a host path. --cleanup-config-on-exit keeps the entrypoint watching: every
 * second it compares the primary config's hash and rewrites 00-multus.conf (and the
 * service-account token) when they change (main.go:351, 629-660 at versions.multus), and removes
 * 00-multus.conf when the pod goes.
 * No --cni-version: the entrypoint gives up silently when it differs from the primary config's.
 */
function thinContainer(config: MultusConfig): IContainer {
  return {
    name: "kube-multus",
    image: multusImage(config),
    command: ["/thin_entrypoint"],
    args: [
      "--multus-conf-file=auto",
      `--multus-autoconfig-dir=${hostCniConfDir}`,
      `--cni-conf-dir=${hostCniConfDir}`,
      `--multus-master-cni-file-name=${config.primaryCniConfig}`,
      `--multus-log-level=${config.logLevel}`,
      `--readiness-indicator-file=/etc/cni/net.d/${config.readinessIndicatorFile}`,
      "--cleanup-config-on-exit=true",
      // The entrypoint's flags for the namespace options (cmd/thin_entrypoint/main.go:84-85 at the pinned release).
      ...(config.namespaceIsolation ? ["--namespace-isolation=true"] : []),
      ...(config.globalNamespaces ? [`--global-namespaces=${config.globalNamespaces.join(",")}`] : []),
    ],
    securityContext: { privileged: true },
    resources: resourceRequirements(config.resources),
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: volumeMounts(thinMounts),
  };
}

export function multusObjects(config: MultusConfig): MultusObjects {
  const namespace = config.namespace;
  const thick = config.mode === "thick";
  const daemonConfig: MultusObjects["daemonConfig"] = thick
    ? {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: daemonConfigMapName, namespace, labels },
      data: { "daemon-config.json": JSON.stringify(multusDaemonConfig(config), null, 2) },
    }
    : undefined;

  return {
    crd: networkAttachmentDefinitionCrd(),
    ...serviceAccountRbac(name, namespace, labels, [
      { apiGroups: ["k8s.cni.cncf.io"], resources: ["*"], verbs: ["*"] },
      { apiGroups: [""], resources: ["pods", "pods/status"], verbs: ["get", "list", "update", "watch"] },
      { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
    ]),
    daemonConfig,
    daemonSet: nodeDaemonSet({
      name: "kube-multus-ds",
      namespace,
      labels,
      selector: { name: "multus" },
      scheduling: config,
      configText: daemonConfig?.data?.["daemon-config.json"],
      podSpec: {
        // The thick daemon enters pod network namespaces through /proc of the host.
        ...(thick ? { hostPID: true } : {}),
        serviceAccountName: name,
        terminationGracePeriodSeconds: 10,
        initContainers: [installBinaryContainer(config)],
        containers: [thick ? thickDaemonContainer(config) : thinContainer(config)],
        volumes: [
          ...hostPathVolumes(thick ? thickMounts : thinMounts),
          ...(thick
            ? [{
              name: daemonConfigVolume,
              configMap: { name: daemonConfigMapName, items: [{ key: "daemon-config.json", path: "daemon-config.json" }] },
            }]
            : []),
        ],
      },
    }),
  };
}
