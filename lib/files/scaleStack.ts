/**
 * A stack file with many NetworkAttachmentDefinitions, for `npm run bench:render`'s scale points and
 * the recorder's equality test: the staging stack plus `count` networks of every kind multinet
 * generates (macvlan and bridge, host-local and static IPAM, with and without sbr; the bridges in a
 * namespace the stack creates), each on its own /24 of 100.64.0.0/10 (room for 16,384).
 */
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { stackFilePath } from "./stackFiles";

function network(i: number): Record<string, unknown> {
  const subnet = `100.${64 + (i >> 8)}.${i & 255}`;
  const hostLocal = { type: "host-local", ranges: [{ subnet: `${subnet}.0/24`, gateway: `${subnet}.1` }] };
  const name = `scale-${String(i).padStart(5, "0")}`;
  switch (i % 3) {
    case 0: return { name, type: "macvlan", master: "eth1", ipam: hostLocal };
    case 1: return { name, namespace: "scale", createNamespace: true, type: "bridge", bridge: `br${i}`, isGateway: true, ipam: hostLocal };
    default: return { name, type: "macvlan", master: "eth1", sourceBasedRouting: true, ipam: { type: "static", routes: [{ dst: `${subnet}.0/24` }] } };
  }
}

/** The text of the stack file: staging's config with `count` more networks. */
export function scaleStackText(count: number): string {
  const staging = parse(readFileSync(stackFilePath("staging"), "utf8")) as { config: Record<string, unknown> };
  const networks = [...(staging.config["multinet:networks"] as unknown[]), ...Array.from({ length: count }, (_, i) => network(i))];
  return stringify({ config: { ...staging.config, "multinet:networks": networks } });
}
