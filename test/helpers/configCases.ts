/** A minimal valid stack and the errors of a broken one, for tests that break one thing at a time. */
import { validateConfig } from "../../lib/config";

/** A minimal valid stack, as parsed values. */
export function validStack(): Record<string, any> {
  return {
    calico: { mode: "manifest", ipv4Autodetection: { interface: "eth0" } },
    flannel: { iface: ["eth1"] },
    networks: [{ name: "flannel", type: "flannel" }],
    samplePod: { networks: [{ name: "flannel" }] },
  };
}

export function errorsOf(values: Record<string, unknown>): string[] {
  const result = validateConfig(values);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.errors;
}
