/** `multinet:cniPlugins`: the optional installer of the reference CNI plugins the NADs delegate to. */
import { z } from "zod";
import { maxUnavailableSchema, resourcesSchema, schedulingFields, timeoutSecondsSchema } from "./pods";
import { image } from "./kubernetes";
import { dnsLabel, strict } from "./values";
import { versions } from "./versions";

/**
 * The binaries in the installer image (versions.cniPluginsImage), per its source
 * rancher/image-build-cni-plugins at the same tag, Dockerfile:19-20, 48, 67, 90: every directory of
 * containernetworking/plugins' plugins/{main,ipam,meta} (its build_linux.sh builds them all), plus
 * `flannel` (flannel-io/cni-plugin) and `bond` (k8snetworkplumbingwg/bond-cni). Dockerfile:113 adds
 * busybox's sh, cp, chmod and mv, which the install script uses.
 */
export const cniPluginsInImage = [
  "bandwidth", "bond", "bridge", "dhcp", "dummy", "firewall", "flannel", "host-device", "host-local", "ipvlan",
  "loopback", "macvlan", "portmap", "ptp", "sbr", "static", "tap", "tuning", "vlan", "vrf",
] as const;

/**
 * Binaries the installer never writes. Calico's installer copies its own builds of these at every
 * calico-node start (calico at versions.calico, cni-plugin/Makefile:148 and 198: host-local, portmap, loopback,
 * tuning, its `flannel`; plus calico and calico-ipam), so replacing them would change what Calico's
 * pods run until the next restart puts Calico's back. `flannel` is the flannel DaemonSet's own.
 */
export const cniPluginsNeverInstalled = ["calico", "calico-ipam", "flannel", "host-local", "loopback", "portmap", "tuning"] as const;

const installable: readonly string[] = cniPluginsInImage.filter((name) => !(cniPluginsNeverInstalled as readonly string[]).includes(name));

const pluginName = z.string().superRefine((name, ctx) => {
  if ((cniPluginsNeverInstalled as readonly string[]).includes(name)) {
    ctx.addIssue({ code: "custom", message: `is installed by Calico or by the flannel DaemonSet, never by this installer; allowed: ${installable.join(", ")}` });
  } else if (!installable.includes(name)) {
    ctx.addIssue({ code: "custom", message: `is not a plugin of the installer image; allowed: ${installable.join(", ")}` });
  }
});

export const cniPluginsSchema = strict({
  enabled: z.boolean().default(false).meta({
    description: "install the reference CNI plugins into each node's `/opt/cni/bin` (a DaemonSet whose init container copies them). Leave off where the nodes have them already, e.g. from the `kubernetes-cni` package",
  }),
  namespace: dnsLabel.default("kube-system").meta({ description: "namespace of the installer DaemonSet; it must exist (the preflight checks)" }),
  image: image.default(versions.cniPluginsImage).meta({ description: "image holding the plugins in `/opt/cni/bin`, with `/bin/sh`, `cp`, `chmod` and `mv`" }),
  pauseImage: image.default(versions.pauseImage).meta({ description: "image of the container that keeps the pod running once the plugins are copied" }),
  plugins: z.array(pluginName).min(1).default([...installable]).meta({
    description: "the plugins to install; Calico's own (calico, calico-ipam, host-local, loopback, portmap, tuning) and `flannel` are never replaced",
  }),
  resources: resourcesSchema("the installer's init container", { cpu: "10m", memory: "16Mi", memoryLimit: "64Mi" }),
  timeoutSeconds: timeoutSecondsSchema("the installer DaemonSet's rollout (the plugins copied on every node it tolerates)"),
  maxUnavailable: maxUnavailableSchema,
  ...schedulingFields(
    [{ operator: "Exists", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute" }],
    " (as Multus's: every node that runs Multus needs the plugins)",
  ),
}).prefault({}).meta({ description: "Optional installer of the reference CNI plugins (bridge, macvlan, static, sbr, …) that NADs delegate to." });
