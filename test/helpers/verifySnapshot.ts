/**
 * The fixture cluster the verifier's judging tests start from (test/fixtures/verify/, with the real
 * /proc/net/route of the data-plane lab's pod in test/fixtures/procnet/), the fixture stack's config,
 * and lookups into a list of findings.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { multinetValues, validateConfig, type StackConfig } from "../../lib/config";
import { pulumiConfigFromStackFile } from "../../lib/files/stackFiles";
import type { Finding } from "../../lib/verify/findings";
import type { VerifySnapshot } from "../../lib/verify/snapshot";

const fixtures = path.join(__dirname, "..", "fixtures");
export const json = (file: string) => JSON.parse(readFileSync(path.join(fixtures, "verify", file), "utf8"));
export const procnet = (file: string) => readFileSync(path.join(fixtures, "procnet", file), "utf8");

export function stackConfig(overrides: Record<string, unknown> = {}): StackConfig {
  const values = { ...multinetValues(pulumiConfigFromStackFile(path.join(fixtures, "verify", "Pulumi.fixture.yaml"))), ...overrides };
  const result = validateConfig(values);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

const byName = (list: { items: any[] }, name: string) => structuredClone(list.items.find((o) => o.metadata.name === name));

/** The healthy cluster: every object as multinet leaves it, the pod's real /proc/net/route. */
export function healthy(): VerifySnapshot {
  const daemonSets = json("daemonsets.json");
  const pods = json("daemon-pods.json").items;
  const nads = json("nads.json").items;
  return {
    nodes: json("nodes.json").items,
    multus: { daemonSet: byName(daemonSets, "kube-multus-ds"), pods: pods.filter((p: any) => p.metadata.name.startsWith("kube-multus-ds")) },
    flannel: { daemonSet: byName(daemonSets, "kube-flannel-ds"), pods: pods.filter((p: any) => p.metadata.name.startsWith("kube-flannel-ds")) },
    calico: { daemonSet: byName(daemonSets, "calico-node") },
    nads: Object.fromEntries(nads.map((n: any) => [`${n.metadata.namespace}/${n.metadata.name}`, n])),
    samplePod: { pod: json("sample-pod.json"), warnings: [], procNetRoute: procnet("pod-route.txt") },
  };
}

export const finding = (findings: Finding[], check: string) => {
  const found = findings.find((f) => f.check === check);
  if (!found) throw new Error(`no finding ${check}: ${findings.map((f) => f.check).join(", ")}`);
  return found;
};
export const failed = (findings: Finding[]) => findings.filter((f) => !f.ok).map((f) => f.check);
