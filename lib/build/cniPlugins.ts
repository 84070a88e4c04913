/**
 * The optional installer of the reference CNI plugins: a DaemonSet whose init container copies the
 * chosen plugins into the node's /opt/cni/bin, then a pause container that keeps the pod (and so the
 * copy) in place; a new image or plugin list rolls the pods and copies again. No RBAC: it never
 * talks to the API server.
 */
import type { CniPluginsConfig } from "../config";
import { commonLabels, nodeDaemonSet, resourceRequirements, type NodeDaemonSet } from "./objects";

const labels = { ...commonLabels("cni-plugins"), app: "multinet-cni-plugins" };
/** Where the image keeps the plugins, and where the node's /opt/cni/bin is mounted. */
const imageBinDir = "/opt/cni/bin";
const hostBinDir = "/host/opt/cni/bin";

/**
 * The init container's script. Each plugin is copied under a temporary name in the target directory
 * and renamed over the old one: rename(2) within a directory is atomic, so a CNI call that runs
 * meanwhile executes the old binary or the new one, never a half-written file. Only the listed
 * plugins are touched. Names and directories are validated or fixed, so they need no quoting.
 */
export function installScript(plugins: readonly string[], from = imageBinDir, to = hostBinDir): string {
  return [
    "set -eu",
    `for plugin in ${plugins.join(" ")}; do`,
    `  tmp="${to}/.$plugin.multinet-tmp"`,
    `  cp "${from}/$plugin" "$tmp"`,
    `  chmod 0755 "$tmp"`,
    `  mv -f "$tmp" "${to}/$plugin"`,
    `  echo "installed $plugin"`,
    "done",
  ].join("\n");
}

export function cniPluginsDaemonSet(config: CniPluginsConfig): NodeDaemonSet {
  const script = installScript(config.plugins);
  return nodeDaemonSet({
    name: "multinet-cni-plugins",
    namespace: config.namespace,
    labels,
    selector: { app: labels.app },
    scheduling: config,
    // The pod runs only the copy: a changed list or image must start it again.
    configText: `${config.image}\n${script}`,
    podSpec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 5,
      initContainers: [{
        name: "install-cni-plugins",
        image: config.image,
        command: ["/bin/sh", "-c", script],
        // Writing the host's /opt/cni/bin needs it where SELinux labels that directory for the host
        // only; Calico's own installer runs privileged for the same copy (calico at versions.calico,
        // manifests/calico.yaml:7540).
        securityContext: { privileged: true },
        resources: resourceRequirements(config.resources),
        volumeMounts: [{ name: "cni-bin", mountPath: hostBinDir }],
      }],
      containers: [{
        name: "pause",
        image: config.pauseImage,
        resources: { requests: { cpu: "1m", memory: "8Mi" }, limits: { memory: "16Mi" } },
        securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 65535 },
      }],
      volumes: [{ name: "cni-bin", hostPath: { path: "/opt/cni/bin", type: "DirectoryOrCreate" } }],
    },
  });
}
