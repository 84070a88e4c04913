/**
 * `npm run bench:config [-- --networks 10000]`: how long reading and validating a large stack file
 * takes, in this process, for stacks built to be hard: many valid networks (every pair checked for
 * overlaps), many networks that all overlap (the most clashing pairs), many networks with several
 * errors each, and long adversarial strings in every regex-checked field. Prints the time per phase
 * and the number of errors; the tests assert only loose bounds.
 */
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { pulumiConfigFromStackText, validateStackConfig } from "../lib/config";

const { values } = parseArgs({ options: { networks: { type: "string", default: "10000" } } });
const count = Number(values.networks);

const base = {
  "multinet:calico": { ipv4Autodetection: { interface: "eth0" } },
  "multinet:samplePod": { enabled: false },
};

/** The i-th /24 inside 10.0.0.0/8, for i below 65536. */
const subnet = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.0/24`;

const stacks: Record<string, () => Record<string, unknown>> = {
  [`${count} valid bridge networks`]: () => ({
    ...base,
    "multinet:flannel": { network: "172.16.0.0/16" },
    "multinet:networks": Array.from({ length: count }, (_, i) => ({
      name: `net-${i}`, type: "bridge", bridge: `br${i}`,
      ipam: { type: "host-local", ranges: [{ subnet: subnet(i), gateway: subnet(i).replace(/0\/24$/, "1") }] },
    })),
  }),
  [`${count} networks on one subnet, different bridges`]: () => ({
    ...base,
    "multinet:networks": Array.from({ length: count }, (_, i) => ({
      name: `net-${i}`, type: "bridge", bridge: `br${i}`, ipam: { type: "host-local", ranges: [{ subnet: "10.50.0.0/16" }] },
    })),
  }),
  [`${count} networks with five errors each`]: () => ({
    ...base,
    "multinet:networks": Array.from({ length: count }, (_, i) => ({
      name: `Net_${i}`, type: "macvlan", master: "interface-name-too-long", mode: "bridged",
      ipam: { type: "host-local", ranges: [{ subnet: "127.0.0.0/8", gateway: "10.0.0.1" }] },
    })),
  }),
  "adversarial 100k-character strings": () => {
    const long = `${"a".repeat(50_000)}${"-".repeat(50_000)}!`;
    return {
      ...base,
      "multinet:flannel": { imageRepository: long, nodeSelector: { [long]: long }, priorityClassName: long, ifaceRegex: [`(${"a*".repeat(1000)})*b`] },
      "multinet:samplePod": { image: long, name: long, networks: [{ name: long, interface: long, ips: [long] }] },
      "multinet:multus": { tolerations: [{ key: long, value: long, operator: "Equal" }], resources: { requests: { cpu: `${"1".repeat(100_000)}x` } } },
    };
  },
};

for (const [label, build] of Object.entries(stacks)) {
  const text = stringify({ config: build() }, { lineWidth: 0 });
  let start = performance.now();
  const { config } = pulumiConfigFromStackText(text, "Pulumi.bench.yaml", "refuse");
  const read = performance.now() - start;
  start = performance.now();
  const result = validateStackConfig(config);
  const validate = performance.now() - start;
  const errors = result.ok ? 0 : result.errors.length;
  console.log(`${label.padEnd(48)} ${(text.length / 1e6).toFixed(1).padStart(5)} MB  read ${(read / 1000).toFixed(2)} s  validate ${(validate / 1000).toFixed(2)} s  ${errors} errors`);
}
