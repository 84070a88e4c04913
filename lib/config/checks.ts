/**
 * Checks that span several keys: addresses (addressChecks.ts), names that must be unique, references
 * that must resolve, interface names a pod must not reuse.
 */
import { addressProblems } from "./addressChecks";
import { cidrContains, compareAddresses, parseCidr } from "./cidr";
import { configKey } from "./errors";
import { systemNamespaces } from "./values";
import { attachmentInterfaces, nadReference, podChoosesAddresses } from "./references";
import { networkProblems } from "./networkChecks";
import { ipamOf, type StackConfig } from "./schema";
import { policyProblems } from "./policyChecks";
import { whereaboutsIpamProblems, whereaboutsStackProblems } from "./whereaboutsChecks";

/**
 * Checks that span several keys. Each runs when the sections it reads passed the schema, so one
 * bad section does not hide the problems of the others.
 */
export function crossFieldProblems(sections: Partial<StackConfig>): string[] {
  const { multus, flannel, calico, networks, samplePod } = sections;
  const problems: string[] = [...addressProblems({ flannel, calico, networks, samplePod }), ...whereaboutsStackProblems(sections), ...policyProblems(sections)];

  const defined = new Map<string, number>();
  const firstFlannel = networks?.findIndex((n) => n.type === "flannel") ?? -1;
  networks?.forEach((network, i) => {
    const id = `${network.namespace}/${network.name}`;
    const first = defined.get(id);
    if (first !== undefined) {
      problems.push(`${configKey(["networks", i, "name"])}: "${network.name}" is already used by ${configKey(["networks", first])} in namespace "${network.namespace}"; allowed: NAD names unique per namespace`);
    } else {
      defined.set(id, i);
    }
    problems.push(...networkProblems(network, i));
    if (network.createNamespace && systemNamespaces.includes(network.namespace)) {
      problems.push(`${configKey(["networks", i, "createNamespace"])}: true but namespace "${network.namespace}" belongs to Kubernetes; allowed: false (multinet never creates or deletes ${systemNamespaces.join(", ")})`);
    }
    if (network.type === "flannel") {
      if (firstFlannel < i) {
        problems.push(`${configKey(["networks", i, "type"])}: "flannel" is already the type of ${configKey(["networks", firstFlannel])}; allowed: one flannel network (two would share the node's cni0 bridge and FLANNEL_SUBNET and hand out the same addresses); pods in other namespaces can reference it as <namespace>/<name>`);
      }
      if (flannel && !flannel.enabled) {
        problems.push(`${configKey(["networks", i, "type"])}: "flannel" but ${configKey(["flannel", "enabled"])} is false; allowed: enable flannel or use another network type`);
      }
      return;
    }
    const ipam = ipamOf(network);
    if (ipam?.type === "whereabouts") {
      problems.push(...whereaboutsIpamProblems(ipam, ["networks", i, "ipam"]));
      return;
    }
    if (ipam?.type !== "host-local") return;
    ipam.ranges.forEach((range, r) => {
      const subnet = parseCidr(range.subnet)!;
      const rangeKey = ["networks", i, "ipam", "ranges", r];
      for (const field of ["rangeStart", "rangeEnd"] as const) {
        const address = range[field];
        if (address !== undefined && !cidrContains(subnet, address)) {
          problems.push(`${configKey([...rangeKey, field])}: "${address}" is outside the subnet "${subnet.text}"; allowed: an address inside it`);
        }
      }
      if (range.rangeStart && range.rangeEnd && compareAddresses(range.rangeStart, range.rangeEnd) > 0) {
        problems.push(`${configKey([...rangeKey, "rangeEnd"])}: "${range.rangeEnd}" comes before rangeStart "${range.rangeStart}"; allowed: an address at or after rangeStart`);
      }
    });
  });

  // Multus looks default networks up by name in its own namespace (pkg/k8sclient/k8sclient.go:683-684, getNetDelegate :497-500 at the pinned release).
  multus?.defaultNetworks.forEach((name, i) => {
    if (networks && !defined.has(`${multus.namespace}/${name}`)) {
      const candidates = networks.filter((n) => n.namespace === multus.namespace).map((n) => n.name);
      problems.push(`${configKey(["multus", "defaultNetworks", i])}: "${name}" is not a network of multinet:networks in the Multus namespace "${multus.namespace}" (Multus looks default networks up there); allowed: ${candidates.length ? candidates.join(", ") : "none (no network in that namespace)"}`);
    }
  });

  if (samplePod?.enabled) {
    if (samplePod.networks.length === 0) {
      problems.push(`${configKey(["samplePod", "networks"])}: [] but ${configKey(["samplePod", "enabled"])} is true; allowed: at least one NAD name from multinet:networks`);
    }
    const interfaces = new Set<string>();
    const ifnames = attachmentInterfaces(samplePod.networks);
    const known = [...defined.keys()];
    const allowed = known.length ? `${known.slice(0, 10).join(", ")}${known.length > 10 ? `, … (${known.length} in all)` : ""}` : "none (multinet:networks is empty)";
    samplePod.networks.forEach((ref, i) => {
      const reference = nadReference(ref, samplePod.namespace);
      if (networks && !defined.has(reference)) {
        problems.push(`${configKey(["samplePod", "networks", i, "name"])}: "${ref.name}" (namespace "${reference.split("/")[0]}") is not defined in multinet:networks; allowed: ${allowed}`);
      }
      const target = networks?.[defined.get(reference) ?? -1];
      const podChosen = target !== undefined && podChoosesAddresses(target);
      if (podChosen && !ref.ips) {
        problems.push(`${configKey(["samplePod", "networks", i, "ips"])}: (not set) but ${configKey(["networks", defined.get(reference)!, "ipam"])} is static without addresses; allowed: the pod's own addresses, e.g. [10.50.1.5/22]`);
      }
      if (target !== undefined && !podChosen && ref.ips) {
        problems.push(`${configKey(["samplePod", "networks", i, "ips"])}: ${JSON.stringify(ref.ips)} but NAD ${reference} assigns addresses itself; allowed: ips only for a static-IPAM NAD without addresses`);
      }
      const ifname = ifnames[i];
      if (ifname === "eth0" || interfaces.has(ifname)) {
        problems.push(`${configKey(["samplePod", "networks", i, "interface"])}: "${ifname}" is already taken in the pod; allowed: a unique name other than eth0`);
      }
      interfaces.add(ifname);
    });
  }
  return problems;
}
