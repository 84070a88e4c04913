/**
 * How config names things that the builders and the verifier read back: NAD references, the
 * interface names attachments get, the pod networks annotation. Shared by validation (which
 * checks references resolve) and the builders (which write them), so both read them one way.
 */

export const networksAnnotation = "k8s.v1.cni.cncf.io/networks";
export const networkStatusAnnotation = "k8s.v1.cni.cncf.io/network-status";

/** One entry of a pod's networks list, as the stack config writes it. */
export interface NetworkReference {
  name: string;
  namespace?: string;
  interface?: string;
  ips?: string[];
}

/**
 * The `k8s.v1.cni.cncf.io/networks` value: the short form (`name`, `namespace/name`,
 * `name@ifname`), or the JSON form when a reference carries its own addresses (`ips`), which the
 * short form cannot express. The namespace is written only when it differs from the pod's.
 */
export function networksAnnotationValue(networks: readonly NetworkReference[], podNamespace: string): string {
  const namespaceOf = (ref: NetworkReference) => (ref.namespace && ref.namespace !== podNamespace ? ref.namespace : undefined);
  if (networks.some((ref) => ref.ips)) {
    return JSON.stringify(networks.map((ref) => ({
      name: ref.name,
      ...(namespaceOf(ref) ? { namespace: namespaceOf(ref) } : {}),
      ...(ref.interface ? { interface: ref.interface } : {}),
      ...(ref.ips ? { ips: ref.ips } : {}),
    })));
  }
  return networks
    .map((ref) => `${namespaceOf(ref) ? `${namespaceOf(ref)}/` : ""}${ref.name}${ref.interface ? `@${ref.interface}` : ""}`)
    .join(",");
}

/** `namespace/name` of the NAD a reference names; the namespace defaults to the pod's. */
export function nadReference(ref: NetworkReference, podNamespace: string): string {
  return `${ref.namespace ?? podNamespace}/${ref.name}`;
}

/** The interface name each attachment gets inside the pod: its own, or net1, net2, … by position. */
export function attachmentInterfaces(networks: readonly NetworkReference[]): string[] {
  return networks.map((ref, i) => ref.interface ?? `net${i + 1}`);
}

/** True when the pods, not the NAD, choose the addresses (static IPAM without addresses). */
export function podChoosesAddresses(network: { type: string; ipam?: { type: string; addresses?: unknown } }): boolean {
  return network.ipam?.type === "static" && !network.ipam.addresses;
}
