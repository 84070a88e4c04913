/**
 * A whereabouts NAD on the real macvlan plugin. whereabouts itself needs a Kubernetes API, so each
 * pod's IPAM result is the one whereabouts would return (test/helpers/whereaboutsModel.ts: its
 * allocation order, the range's prefix, the configured gateway and routes), handed to the plugin by
 * the static IPAM plugin. The NAD's macvlan settings are the stack's, unchanged.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ipamOf, type TypedNetworkConfig } from "../../lib/config";
import { whereaboutsAllocate, type WhereaboutsResult } from "../helpers/whereaboutsModel";
import { useLab } from "./hooks";
import { link, routeLines } from "./observe";
import { canConnect } from "./probe";
import { network } from "./stack";

const lab = useLab();
afterEach(() => lab().removePods());

/** The NAD with its IPAM replaced by the static plugin given whereabouts' result. */
function asHandedOut(nad: TypedNetworkConfig, result: WhereaboutsResult): TypedNetworkConfig {
  if (nad.type === "flannel" || !ipamOf(nad)) throw new Error("not an IPAM network");
  return { ...nad, ipam: { type: "static", addresses: [{ address: result.address, ...(result.gateway ? { gateway: result.gateway } : {}) }], routes: result.routes } };
}

describe("a whereabouts NAD shared by the nodes", () => {
  it("gives pods on different nodes distinct addresses in whereabouts' order, its routes, and they reach each other", async () => {
    const nad = network("macvlan-wa");
    const ipam = ipamOf(nad);
    if (ipam?.type !== "whereabouts") throw new Error("macvlan-wa must use whereabouts");
    const reserved: string[] = [];
    const pods = (["node-a", "node-b", "node-a"] as const).map((nodeName, i) => {
      const pod = lab().pod(`wa-${i}`, lab().node(nodeName));
      pod.attachPrimary();
      const result = whereaboutsAllocate(ipam, reserved);
      reserved.push(result.address.split("/")[0]);
      pod.attach(asHandedOut(nad, result));
      expect(link(pod.netns, "net1")).toMatchObject({ kind: "macvlan", ipv4: [result.address] });
      expect(routeLines(pod.netns, "net1")).toEqual(["172.16.70.0/24 via 172.31.4.254", "172.31.4.0/24"]);
      return pod;
    });
    // range_start .10, .11 excluded: the three pods get .10, .12 and .13, whichever node they run on.
    expect(reserved).toEqual(["172.31.4.10", "172.31.4.12", "172.31.4.13"]);
    expect(await canConnect(pods[0].netns, pods[1].netns, pods[1].ip("net1"))).toBe(true);
    expect(await canConnect(pods[1].netns, pods[2].netns, pods[2].ip("net1"))).toBe(true);
  });
});
