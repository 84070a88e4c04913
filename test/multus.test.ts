import { describe, expect, it } from "vitest";
import { multusSchema } from "../lib/config";
import { multusDaemonConfig, multusImage, multusObjects } from "../lib/build/multus";

const thick = multusObjects(multusSchema.parse({}));
const thin = multusObjects(multusSchema.parse({ mode: "thin" }));
const podSpec = (objects: typeof thick) => objects.daemonSet.spec.template.spec!;

describe("Multus", () => {
  it("pins a release image, thick by default, with an overridable repository", () => {
    expect(multusImage(multusSchema.parse({}))).toMatch(/^ghcr\.io\/k8snetworkplumbingwg\/multus-cni:v\d+\.\d+\.\d+-thick$/);
    expect(multusImage(multusSchema.parse({ mode: "thin", version: "v4.2.3", imageRepository: "mirror.example/multus" })))
      .toBe("mirror.example/multus:v4.2.3");
    for (const container of [...podSpec(thick).initContainers!, ...podSpec(thick).containers]) {
      expect(container.image).toBe(multusImage(multusSchema.parse({})));
    }
  });

  it("grants no more than upstream's ClusterRole", () => {
    expect(thick.clusterRole.rules).toEqual([
      { apiGroups: ["k8s.cni.cncf.io"], resources: ["*"], verbs: ["*"] },
      { apiGroups: [""], resources: ["pods", "pods/status"], verbs: ["get", "list", "update", "watch"] },
      { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
    ]);
    expect(thick.clusterRoleBinding.subjects).toEqual([{ kind: "ServiceAccount", name: "multus", namespace: "kube-system" }]);
    expect(podSpec(thick).serviceAccountName).toBe(thick.serviceAccount.metadata.name);
  });

  it("pins the primary network so 'auto' can never pick another file first", () => {
    const config = multusDaemonConfig(multusSchema.parse({ primaryCniConfig: "10-canal.conflist" }));
    expect(config).toMatchObject({
      multusConfigFile: "auto",
      multusMasterCNI: "10-canal.conflist",
      cniVersion: "0.3.1",
    });
    expect(JSON.parse(thick.daemonConfig!.data!["daemon-config.json"])).toEqual(multusDaemonConfig(multusSchema.parse({})));
  });

  // multus-cni v4.3.0 pkg/server/config/manager.go:274-284: an event on the readiness indicator
  // counts only as Remove/Rename and is tested first, so with the primary config as indicator an
  // in-place rewrite (Calico: os.WriteFile, calico v3.32.1 cni-plugin/pkg/install/install.go:399)
  // never regenerates 00-multus.conf. calico-kubeconfig is written by the same installer just before
  // the conflist (install.go:241-245, 480), and rewritten in place too (node/pkg/cni/token_watch.go:509).
  it("takes Calico's kubeconfig, not the primary config, as the readiness indicator", () => {
    expect(JSON.parse(thick.daemonConfig!.data!["daemon-config.json"]).readinessindicatorfile).toBe("/host/etc/cni/net.d/calico-kubeconfig");
    expect(multusDaemonConfig(multusSchema.parse({ readinessIndicatorFile: "ready" })).readinessindicatorfile).toBe("/host/etc/cni/net.d/ready");
    const same = multusSchema.safeParse({ readinessIndicatorFile: "10-calico.conflist" });
    expect(same.success).toBe(false);
    expect(same.error!.issues[0]).toMatchObject({ path: ["readinessIndicatorFile"], message: expect.stringContaining("multinet:multus.primaryCniConfig") });
    // The thin entrypoint compares the primary config's hash every second instead (v4.3.0
    // cmd/thin_entrypoint/main.go:351, 629-660), so there the same file is allowed.
    expect(multusSchema.safeParse({ mode: "thin", readinessIndicatorFile: "10-calico.conflist" }).success).toBe(true);
    expect(multusSchema.safeParse({ readinessIndicatorFile: "../etc/passwd" }).success).toBe(false);
  });

  // multus-cni v4.3.0 pkg/server/types.go:80 (`connectionLimit`, *int) and
  // cmd/multus-daemon/main.go:193-199 (unset: no limit; <= 0: the daemon refuses to start;
  // else netutil.LimitListener); added by PR #1510 against the OOM loop of issue #1346.
  it("limits the thick daemon's concurrent CNI requests, 5 by default, 1 or more", () => {
    expect(JSON.parse(thick.daemonConfig!.data!["daemon-config.json"]).connectionLimit).toBe(5);
    expect(multusDaemonConfig(multusSchema.parse({ connectionLimit: 20 })).connectionLimit).toBe(20);
    for (const bad of [0, -1, 2.5]) expect(multusSchema.safeParse({ connectionLimit: bad }).success).toBe(false);
    expect(multusImage(multusSchema.parse({}))).toBe("ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick");
  });

  it("runs the thick daemon with its binary installer and upstream's host mounts", () => {
    const spec = podSpec(thick);
    expect(spec).toMatchObject({ hostNetwork: true, hostPID: true, priorityClassName: "system-node-critical", terminationGracePeriodSeconds: 10 });
    expect(spec.initContainers![0].command).toEqual(["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"]);
    const daemon = spec.containers[0];
    expect(daemon.command).toEqual(["/usr/src/multus-cni/bin/multus-daemon"]);
    const mounts = Object.fromEntries(daemon.volumeMounts!.map((m) => [m.mountPath, m.name]));
    expect(mounts["/opt/cni/bin"]).toBe("cnibin");
    expect(mounts["/etc/cni/net.d/multus.d"]).toBe("multus-daemon-config");
    expect(mounts["/hostroot"]).toBe("hostroot");
    const volumes = new Set(spec.volumes!.map((v) => v.name));
    for (const mount of daemon.volumeMounts!) expect(volumes.has(mount.name)).toBe(true);
  });

  it("gives every container requests and a memory limit, the daemon's above upstream's OOM-prone 50Mi", () => {
    for (const container of [...podSpec(thick).initContainers!, ...podSpec(thick).containers]) {
      expect(container.resources?.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(container.resources?.limits?.memory).toEqual(expect.any(String));
    }
    expect(podSpec(thick).containers[0].resources).toEqual({ requests: { cpu: "100m", memory: "100Mi" }, limits: { memory: "300Mi" } });
  });

  it("restarts the daemons when their config changes (they read it once)", () => {
    const hash = (logLevel: "debug" | "error") =>
      multusObjects(multusSchema.parse({ logLevel })).daemonSet.spec.template.metadata!.annotations!["multinet/config-hash"];
    expect(hash("debug")).toMatch(/^[0-9a-f]{16}$/);
    expect(hash("debug")).not.toBe(hash("error"));
  });

  it("takes tolerations, node selector and priority class from config", () => {
    const spec = podSpec(multusObjects(multusSchema.parse({
      tolerations: [{ key: "dedicated", operator: "Equal", value: "net", effect: "NoSchedule" }],
      nodeSelector: { "multinet.example/enabled": "true" },
      priorityClassName: "infra",
    })));
    expect(spec.tolerations).toEqual([{ key: "dedicated", operator: "Equal", value: "net", effect: "NoSchedule" }]);
    expect(spec.nodeSelector).toEqual({ "multinet.example/enabled": "true" });
    expect(spec.priorityClassName).toBe("infra");
  });

  it("runs thin Multus without the daemon config or hostPID", () => {
    expect(thin.daemonConfig).toBeUndefined();
    const spec = podSpec(thin);
    expect(spec.hostPID).toBeUndefined();
    expect(spec.initContainers![0].command).toEqual(["/install_multus", "-d", "/host/opt/cni/bin", "-t", "thin"]);
    expect(spec.containers[0].command).toEqual(["/thin_entrypoint"]);
    // The generated config is read on the host, so the readiness file is a host path. The primary
    // is pinned: --multus-master-cni-file-name is honoured since v4.1.0
    // (cmd/thin_entrypoint/main.go:318-319 there, 320-321 at v4.3.0).
    expect(spec.containers[0].args).toEqual(expect.arrayContaining([
      "--multus-master-cni-file-name=10-calico.conflist",
      "--readiness-indicator-file=/etc/cni/net.d/calico-kubeconfig",
      "--cleanup-config-on-exit=true",
    ]));
    expect(spec.containers[0].args!.some((arg) => arg.startsWith("--cni-version"))).toBe(false);
    expect(spec.volumes!.map((v) => v.name)).toEqual(["cni", "cnibin"]);
  });

  describe("namespace options", () => {
    const options = { namespaceIsolation: true, globalNamespaces: ["default", "shared"], defaultNetworks: ["tap"], systemNamespaces: ["kube-system", "monitoring"] };

    it("renders them into the thick daemon config as Multus v4.3.0 reads them (pkg/types/types.go:48-66)", () => {
      const daemon = multusDaemonConfig(multusSchema.parse(options));
      // globalNamespaces is one comma-separated string; defaultNetworks are looked up in multusNamespace.
      expect(daemon).toMatchObject({
        namespaceIsolation: true, globalNamespaces: "default,shared", defaultNetworks: ["tap"], multusNamespace: "kube-system", systemNamespaces: ["kube-system", "monitoring"],
      });
      const objects = multusObjects(multusSchema.parse({ ...options, namespace: "multus" }));
      expect(JSON.parse(objects.daemonConfig!.data!["daemon-config.json"])).toMatchObject({ multusNamespace: "multus", defaultNetworks: ["tap"] });
    });

    it("writes none of them when unset, so Multus keeps its defaults", () => {
      const daemon = multusDaemonConfig(multusSchema.parse({}));
      for (const key of ["namespaceIsolation", "globalNamespaces", "defaultNetworks", "multusNamespace", "systemNamespaces"]) expect(daemon).not.toHaveProperty(key);
      expect(podSpec(thin).containers[0].args!.join(" ")).not.toMatch(/namespace/);
    });

    it("passes isolation to the thin entrypoint as its flags (cmd/thin_entrypoint/main.go:84-85)", () => {
      const objects = multusObjects(multusSchema.parse({ mode: "thin", namespaceIsolation: true, globalNamespaces: ["default", "shared"] }));
      expect(podSpec(objects).containers[0].args).toEqual(expect.arrayContaining(["--namespace-isolation=true", "--global-namespaces=default,shared"]));
    });

    it("refuses what Multus would not read: default networks in thin mode, global namespaces without isolation", () => {
      const result = multusSchema.safeParse({ mode: "thin", defaultNetworks: ["tap"], systemNamespaces: ["x"], globalNamespaces: ["default"] });
      expect(result.success).toBe(false);
      const messages = result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      expect(messages).toEqual(expect.arrayContaining([
        expect.stringMatching(/^defaultNetworks: is set but mode is thin/),
        expect.stringMatching(/^systemNamespaces: is set but mode is thin/),
        expect.stringMatching(/^globalNamespaces: is set but namespaceIsolation is false/),
      ]));
    });
  });
});
