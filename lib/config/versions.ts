/**
 * Every upstream version multinet deploys by default, in one place.
 * Stacks may override a version; these are the tested defaults.
 */
export const versions = {
  /** Multus CNI release (thick images are `<tag>-thick`); v4.3.0 brought the daemon's `connectionLimit`. */
  multus: "v4.3.0",
  /** flanneld release. */
  flannel: "v0.28.9",
  /** flannel CNI plugin image (installs the `flannel` binary into /opt/cni/bin). */
  flannelCniPlugin: "v1.9.1-flannel3",
  /**
   * whereabouts release (k8snetworkplumbingwg/whereabouts tag v0.9.4, commit 3a262bd0). Its release
   * workflow pushes the multi-arch image `ghcr.io/k8snetworkplumbingwg/whereabouts:<tag>`
   * (.github/workflows/image-push-release.yml:104-119 at that tag).
   */
  whereabouts: "v0.9.4",
  /**
   * Calico release the e2e workflow installs (kind/up.sh); its source is what the Calico patch is
   * checked against (cni-plugin/pkg/install/install.go for SKIP_CNI_BINARIES).
   */
  calico: "v3.32.1",
  /**
   * The optional CNI plugins installer: Rancher's build of the reference plugins
   * (containernetworking/plugins v1.9.1; source rancher/image-build-cni-plugins, same tag), the tag
   * rancher/rke2 pins for Multus in scripts/build-images. Keep lib/config/cniPlugins.ts's list of
   * the image's binaries in step with it.
   */
  cniPluginsImage: "docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819",
  /** The installer's running container once the plugins are copied (kind's node image ships it too). */
  pauseImage: "registry.k8s.io/pause:3.10.1",
  /** Image of the sample pod: nginx stable 1.30 (nginx/nginx tag release-1.30.4; 1.29 is no longer maintained). */
  samplePodImage: "docker.io/library/nginx:1.30.4",
  /** Image of the verifier's temporary ping peer (needs `ping` and `sleep`). */
  pingPeerImage: "docker.io/library/busybox:1.37.0",
} as const;

/** Default image repositories; stacks override them to point at a registry mirror. */
export const imageRepositories = {
  multus: "ghcr.io/k8snetworkplumbingwg/multus-cni",
  flannel: "ghcr.io/flannel-io/flannel",
  flannelCniPlugin: "ghcr.io/flannel-io/flannel-cni-plugin",
  whereabouts: "ghcr.io/k8snetworkplumbingwg/whereabouts",
} as const;

/**
 * Upstream sources whose manifests multinet reproduces, at the commits the tests compare with
 * (test/fixtures/upstream/). multi-networkpolicy-iptables has no release tag and pushes only the
 * floating `latest`/`snapshot`/`stable` tags (.github/workflows/push-master.yml:34-36,
 * push-release.yml:40-42 at cbf2b117), so its image is a stack setting (`multinet:multiNetworkPolicy.image`),
 * pinned by the operator to a digest or a build of this commit.
 */
export const upstreamCommits = {
  whereabouts: "3a262bd0cd873e13d9b379342f8251b852a89b8f",
  multiNetworkPolicyIptables: "cbf2b11730b9fb0477d8d578129609df0c51f06b",
  multiNetworkPolicy: "f1873dc329c687c4a2cd236b55284a380b77c6b8",
} as const;

/**
 * A tag that names a moving target rather than a release: a floating word (`latest`, `snapshot`,
 * `main`, `stable`, …) alone or with variant words (`latest-thick`, `snapshot-thick`,
 * `stable-alpine`), and no digit. A dated or versioned build (`snapshot-20250101`, `v1.0.0-thick`) is
 * not floating. Case-insensitive. The policy pack keeps an identical copy (policy/rules.ts, which
 * imports nothing outside policy/); test/policy.test.ts keeps the two equal.
 */
export const floatingImageTag = /^(?!.*\d)(?:.*[-_.])?(?:latest|snapshot|nightly|edge|canary|main|mainline|master|trunk|head|dev|devel|develop|stable|unstable|testing|rolling)(?:[-_.].*)?$/i;
