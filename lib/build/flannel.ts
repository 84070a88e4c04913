/**
 * Flannel as an attachment network, modelled on upstream's Documentation/kube-flannel.yml with one
 * deliberate difference: there is no `install-cni` init container, so no 10-flannel.conflist is ever
 * written to /etc/cni/net.d and Flannel cannot become any pod's primary network. Pods reach it only
 * through a NAD of type `flannel`.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { FlannelBackend, FlannelConfig } from "../config";
import { commonLabels, nodeDaemonSet, resourceRequirements, serviceAccountRbac, type Named, type NodeDaemonSet, type ServiceAccountRbac } from "./objects";

const name = "flannel";
const configName = "kube-flannel-cfg";
const netConfKey = "net-conf.json";
const labels = { ...commonLabels("flannel"), tier: "node", app: "flannel", "k8s-app": "flannel" };

export interface FlannelObjects extends ServiceAccountRbac {
  namespace: Named<INamespace, false>;
  /** net-conf.json: a ConfigMap, or a Secret when it holds a WireGuard pre-shared key. */
  netConf: Named<IConfigMap> | Named<ISecret>;
  daemonSet: NodeDaemonSet;
}

function backendNetConf(backend: FlannelBackend): Record<string, unknown> {
  switch (backend.type) {
    case "vxlan":
      return {
        Type: "vxlan",
        VNI: backend.vni,
        Port: backend.port,
        DirectRouting: backend.directRouting,
        GBP: backend.gbp,
        ...(backend.mtu !== undefined ? { MTU: backend.mtu } : {}),
      };
    case "host-gw":
      return { Type: "host-gw" };
    case "wireguard":
      return {
        Type: "wireguard",
        ListenPort: backend.listenPort,
        ...(backend.mtu !== undefined ? { MTU: backend.mtu } : {}),
        ...(backend.psk !== undefined ? { PSK: backend.psk } : {}),
        ...(backend.persistentKeepaliveInterval !== undefined ? { PersistentKeepaliveInterval: backend.persistentKeepaliveInterval } : {}),
      };
  }
}

/** flanneld's net-conf.json. */
export function flannelNetConf(config: FlannelConfig): Record<string, unknown> {
  return {
    Network: config.network,
    SubnetLen: config.subnetLen,
    EnableNFTables: false,
    Backend: backendNetConf(config.backend),
  };
}

/** True when net-conf.json holds a secret and so must live in a Secret. */
export function netConfIsSecret(config: FlannelConfig): boolean {
  return config.backend.type === "wireguard" && config.backend.psk !== undefined;
}

/**
 * flanneld's flags: subnet manager, masquerading, health port and the NIC it runs on.
 * `--set-node-network-unavailable=false`: flanneld otherwise patches the node's NetworkUnavailable
 * condition to False once its lease is complete (flannel at versions.flannel: main.go:141 defaults it to true,
 * pkg/subnet/kube/kube.go:655-673 patches it); that condition belongs to the primary CNI, Calico.
 */
export function flanneldArgs(config: FlannelConfig): string[] {
  return [
    ...(config.ipMasq ? ["--ip-masq"] : []),
    "--kube-subnet-mgr",
    `--healthz-port=${config.healthzPort}`,
    "--set-node-network-unavailable=false",
    ...(config.iface ?? []).map((iface) => `--iface=${iface}`),
    ...(config.ifaceRegex ?? []).map((regex) => `--iface-regex=${regex}`),
    ...(config.ifaceCanReach ? [`--iface-can-reach=${config.ifaceCanReach}`] : []),
  ];
}

const healthzPortName = "healthz";

/**
 * Upstream's probes (flannel at versions.flannel, Documentation/kube-flannel.yml:171-182). /readyz answers 200
 * only after flanneld wrote subnet.env and set up its traffic rules (main.go:477-485, 565-578), so
 * a node's pod is ready exactly when a flannel NAD can work there, and a rollout with a bad
 * net-conf stops at the first node; /healthz answers while the process serves, so a wedged
 * flanneld is restarted.
 */
const flanneldProbes = {
  livenessProbe: { httpGet: { path: "/healthz", port: healthzPortName }, initialDelaySeconds: 10, periodSeconds: 30 },
  readinessProbe: { httpGet: { path: "/readyz", port: healthzPortName }, initialDelaySeconds: 5, periodSeconds: 10 },
};

export function flannelImage(config: FlannelConfig): string {
  return `${config.imageRepository}:${config.version}`;
}

export function flannelCniPluginImage(config: FlannelConfig): string {
  return `${config.cniPluginImageRepository}:${config.cniPluginVersion}`;
}

export function flannelObjects(config: FlannelConfig): FlannelObjects {
  const namespace = config.namespace;
  const netConfJson = JSON.stringify(flannelNetConf(config), null, 2);
  const netConfMeta = { name: configName, namespace, labels };
  const secret = netConfIsSecret(config);

  return {
    namespace: {
      apiVersion: "v1",
      kind: "Namespace",
      // flanneld needs NET_ADMIN and host networking, which only the privileged Pod Security level allows.
      metadata: { name: namespace, labels: { ...commonLabels("flannel"), "pod-security.kubernetes.io/enforce": "privileged" } },
    },
    // Upstream's rules. `nodes/status` patch stays although the NetworkUnavailable condition is off:
    // flanneld writes its lease annotations through the status subresource too (flannel at
    // versions.flannel, pkg/subnet/kube/kube.go:482).
    ...serviceAccountRbac(name, namespace, labels, [
      { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
    ]),
    netConf: secret
      ? { apiVersion: "v1", kind: "Secret", metadata: netConfMeta, type: "Opaque", stringData: { [netConfKey]: netConfJson } }
      : { apiVersion: "v1", kind: "ConfigMap", metadata: netConfMeta, data: { [netConfKey]: netConfJson } },
    daemonSet: nodeDaemonSet({
      name: "kube-flannel-ds",
      namespace,
      labels,
      selector: { app: "flannel" },
      scheduling: config,
      configText: netConfJson,
      podSpec: {
        serviceAccountName: name,
        initContainers: [{
          name: "install-cni-plugin",
          image: flannelCniPluginImage(config),
          command: ["cp"],
          args: ["-f", "/flannel", "/opt/cni/bin/flannel"],
          resources: { requests: { cpu: "10m", memory: "15Mi" }, limits: { memory: "50Mi" } },
          volumeMounts: [{ name: "cni-plugin", mountPath: "/opt/cni/bin" }],
        }],
        containers: [{
          name: "kube-flannel",
          image: flannelImage(config),
          command: ["/opt/bin/flanneld"],
          args: flanneldArgs(config),
          ports: [{ name: healthzPortName, containerPort: config.healthzPort, protocol: "TCP" }],
          ...flanneldProbes,
          resources: resourceRequirements(config.resources),
          securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
          env: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "EVENT_QUEUE_DEPTH", value: "5000" },
            { name: "CONT_WHEN_CACHE_NOT_READY", value: "false" },
          ],
          volumeMounts: [
            { name: "run", mountPath: "/run/flannel" },
            { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
            { name: "xtables-lock", mountPath: "/run/xtables.lock" },
          ],
        }],
        volumes: [
          { name: "run", hostPath: { path: "/run/flannel" } },
          { name: "cni-plugin", hostPath: { path: "/opt/cni/bin" } },
          secret
            ? { name: "flannel-cfg", secret: { secretName: configName } }
            : { name: "flannel-cfg", configMap: { name: configName } },
          { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
        ],
      },
    }),
  };
}
