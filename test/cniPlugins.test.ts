import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cniPluginsDaemonSet, installScript } from "../lib/build/cniPlugins";
import { nadConfigText } from "../lib/build/networks";
import { cniPluginsInImage, cniPluginsNeverInstalled, cniPluginsSchema, multinetValues, validateConfig } from "../lib/config";
import { pulumiConfigForStack, stackNames } from "../lib/files/stackFiles";

/** Every `type` in a CNI config: the plugins (and IPAM plugins) a runtime looks up in /opt/cni/bin. */
function pluginTypes(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(pluginTypes);
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === "type" && typeof inner === "string" ? [inner] : pluginTypes(inner)));
}

const parse = (values: Record<string, unknown> = {}) => cniPluginsSchema.parse(values);

describe("the CNI plugins installer", () => {
  const daemonSet = cniPluginsDaemonSet(parse({ enabled: true }));
  const spec = daemonSet.spec.template.spec!;

  it("is off unless a stack turns it on", () => {
    expect(parse().enabled).toBe(false);
  });

  // The image's binaries: rancher/image-build-cni-plugins v1.9.1-build20260819 Dockerfile:19-20, 48,
  // 67, 90 (containernetworking/plugins v1.9.1 plugins/{main,ipam,meta}, flannel, bond).
  // Calico's installer copies calico, calico-ipam, flannel (its fork), host-local, loopback, portmap
  // and tuning at every calico-node start (calico v3.32.1 cni-plugin/Makefile:148, 198;
  // cni-plugin/pkg/install/install.go:186-207). Replacing them would change Calico's own pods.
  it("installs by default every plugin of the image but Calico's and flannel, and refuses those by name", () => {
    const plugins = parse().plugins;
    expect(plugins).toEqual(expect.arrayContaining(["bridge", "macvlan", "ipvlan", "static", "sbr", "host-device", "vlan"]));
    for (const name of cniPluginsNeverInstalled) expect(plugins).not.toContain(name);
    const result = validateConfig({ cniPlugins: { enabled: true, plugins: ["bridge", "portmap", "whereabouts"] } });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toContainEqual(expect.stringMatching(/^multinet:cniPlugins\.plugins\[1\]: "portmap" is installed by Calico or by the flannel DaemonSet, never by this installer; allowed: .*bridge/));
    expect(errors).toContainEqual(expect.stringMatching(/^multinet:cniPlugins\.plugins\[2\]: "whereabouts" is not a plugin of the installer image; allowed: /));
  });

  // The flannel plugin delegates to bridge when its delegate names no type (flannel-io/cni-plugin
  // v1.9.1-flannel1 flannel_linux.go:87-89, the newest tag read; we pin v1.9.1-flannel3).
  it("covers every plugin the stacks' NADs need, together with what Calico, the flannel and whereabouts DaemonSets install", () => {
    const provided = new Set<string>([...parse().plugins, ...cniPluginsNeverInstalled]);
    for (const stack of stackNames()) {
      const result = validateConfig(multinetValues(pulumiConfigForStack(stack)));
      if (!result.ok) throw new Error(result.errors.join("\n"));
      // The whereabouts DaemonSet installs its own binary (script/install-cni.sh:33-34 at v0.9.4).
      const fromWhereabouts = result.config.whereabouts.enabled ? ["whereabouts"] : [];
      for (const network of result.config.networks) {
        const needed = pluginTypes(JSON.parse(nadConfigText(network)));
        if (needed.includes("flannel")) needed.push("bridge");
        for (const plugin of needed) expect(provided.has(plugin) || fromWhereabouts.includes(plugin), `${stack}: ${network.name} needs ${plugin}`).toBe(true);
      }
    }
    expect([...provided].filter((p) => !["calico", "calico-ipam"].includes(p)).every((p) => (cniPluginsInImage as readonly string[]).includes(p))).toBe(true);
  });

  it("copies in an init container, then only keeps the pod: pinned images, bounded resources, no API access", () => {
    expect(daemonSet.metadata).toMatchObject({ name: "multinet-cni-plugins", namespace: "kube-system" });
    const [install] = spec.initContainers!;
    expect(install.image).toBe("docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819");
    expect(install.command).toEqual(["/bin/sh", "-c", installScript(parse().plugins)]);
    expect(install.volumeMounts).toEqual([{ name: "cni-bin", mountPath: "/host/opt/cni/bin" }]);
    // As Calico's install-cni (calico v3.32.1 manifests/calico.yaml:7540); the pause container is not.
    expect(install.securityContext).toEqual({ privileged: true });
    expect(spec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 65535 });
    expect(spec.volumes).toEqual([{ name: "cni-bin", hostPath: { path: "/opt/cni/bin", type: "DirectoryOrCreate" } }]);
    expect(spec.containers.map((c) => c.image)).toEqual(["registry.k8s.io/pause:3.10.1"]);
    for (const container of [install, ...spec.containers]) {
      expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources?.limits?.memory).toEqual(expect.any(String));
    }
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBeUndefined();
    // On the host network it starts before the node's pod network is ready, like Multus and flanneld.
    expect(spec).toMatchObject({ hostNetwork: true, priorityClassName: "system-node-critical" });
    expect(spec.tolerations).toEqual([{ operator: "Exists", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute" }]);
  });

  it("copies again when the plugin list or the image changes", () => {
    const hash = (values: Record<string, unknown>) => cniPluginsDaemonSet(parse(values)).spec.template.metadata!.annotations!["multinet/config-hash"];
    expect(hash({ plugins: ["bridge"] })).not.toBe(hash({ plugins: ["bridge", "macvlan"] }));
    expect(hash({ image: "registry.example.com/cni-plugins:v1.9.1" })).not.toBe(hash({}));
  });

  describe("its script, run by /bin/sh on a scratch directory", () => {
    const root = mkdtempSync(join(tmpdir(), "multinet-cni-plugins-"));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const image = join(root, "image");
    const host = join(root, "host");
    mkdirSync(image);
    mkdirSync(host);
    for (const name of ["bridge", "macvlan", "portmap"]) writeFileSync(join(image, name), `new ${name}`);
    const run = (plugins: string[]) => spawnSync("/bin/sh", ["-c", installScript(plugins, image, host)], { encoding: "utf8", timeout: 10_000 });

    it("replaces each listed plugin by a rename, executable, and touches nothing else", () => {
      writeFileSync(join(host, "bridge"), "old bridge");
      writeFileSync(join(host, "portmap"), "calico's portmap");
      chmodSync(join(host, "bridge"), 0o700);
      const before = statSync(join(host, "bridge")).ino;
      const result = run(["bridge", "macvlan"]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe("installed bridge\ninstalled macvlan\n");
      expect(readFileSync(join(host, "bridge"), "utf8")).toBe("new bridge");
      // A new inode: the old file was never written in place, so a running CNI call is unaffected.
      expect(statSync(join(host, "bridge")).ino).not.toBe(before);
      expect(statSync(join(host, "macvlan")).mode & 0o777).toBe(0o755);
      expect(readFileSync(join(host, "portmap"), "utf8")).toBe("calico's portmap");
      expect(readdirSync(host).sort()).toEqual(["bridge", "macvlan", "portmap"]);
    });

    it("fails (the pod does not start) when the image lacks a plugin, leaving no partial file", () => {
      const result = run(["bridge", "vrf"]);
      expect(result.status).not.toBe(0);
      expect(readdirSync(host).sort()).toEqual(["bridge", "macvlan", "portmap"]);
    });
  });
});
