/**
 * Every upstream version multinet deploys by default, in one place.
 * Stacks may override a version; these are the tested defaults.
 */
export const versions = {
  /** Multus CNI release (thick images are `<tag>-thick`). */
  multus: "v4.2.4",
  /** flanneld release. */
  flannel: "v0.28.9",
  /** flannel CNI plugin image (installs the `flannel` binary into /opt/cni/bin). */
  flannelCniPlugin: "v1.9.1-flannel3",
  /** Image of the sample pod. */
  samplePodImage: "docker.io/library/nginx:1.29.3",
  /** Image of the verifier's temporary ping peer (needs `ping` and `sleep`). */
  pingPeerImage: "docker.io/library/busybox:1.37.0",
} as const;

/** Default image repositories; stacks override them to point at a registry mirror. */
export const imageRepositories = {
  multus: "ghcr.io/k8snetworkplumbingwg/multus-cni",
  flannel: "ghcr.io/flannel-io/flannel",
  flannelCniPlugin: "ghcr.io/flannel-io/flannel-cni-plugin",
} as const;

/**
 * A tag that names a moving target rather than a release: a floating word (`latest`, `snapshot`,
 * `main`, `stable`, …) alone or with variant words (`latest-thick`, `snapshot-thick`,
 * `stable-alpine`), and no digit. A dated or versioned build (`snapshot-20250101`, `v1.0.0-thick`) is
 * not floating. Case-insensitive. The policy pack keeps an identical copy (policy/rules.ts, which
 * imports nothing outside policy/); test/policy.test.ts keeps the two equal.
 */
export const floatingImageTag = /^(?!.*\d)(?:.*[-_.])?(?:latest|snapshot|nightly|edge|canary|main|mainline|master|trunk|head|dev|devel|develop|stable|unstable|testing|rolling)(?:[-_.].*)?$/i;
