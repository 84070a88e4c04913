/**
 * Item: any config value a user marks secret stays out of the plain state of the preflight's and the
 * verification's `local.Command`, whose environment, triggers, stdout and stderr Pulumi stores
 * (@pulumi/command: secret inputs stay encrypted; outputs only with additionalSecretOutputs). A
 * distinctive value in each section, that section marked secret as `pulumi config set --secret`
 * does, must appear in no unencrypted part of any command's inputs.
 */
import { isRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { configEnvVar } from "../lib/config";
import { pulumiConfigForStack } from "../lib/files/stackFiles";
import { runProgram } from "./helpers/mockProgram";

const command = "command:local:Command";
const base = pulumiConfigForStack("staging");
const section = (key: string) => JSON.parse(base[`multinet:${key}`] ?? "{}") as Record<string, unknown>;

/** Per section: a value that can only come from that section, set in it. */
const marked: Record<string, { marker: string; value: unknown }> = {
  multus: { marker: "sekret-multus", value: { ...section("multus"), imageRepository: "registry.sekret-multus.example/multus-cni" } },
  flannel: { marker: "sekret1", value: { ...section("flannel"), iface: ["sekret1"] } },
  calico: { marker: "sekret2", value: { ...section("calico"), ipv4Autodetection: { interface: "sekret2" } } },
  networks: {
    marker: "sekretbr0",
    value: [...(JSON.parse(base["multinet:networks"]) as unknown[]), { name: "scratch", type: "bridge", bridge: "sekretbr0", ipam: { type: "host-local", ranges: [{ subnet: "10.99.0.0/24" }] } }],
  },
  samplePod: { marker: "sekret-pod", value: { ...section("samplePod"), name: "sekret-pod" } },
  verification: { marker: "sekret-verify", value: { ...section("verification"), ping: { enabled: true, image: "registry.sekret-verify.example/busybox:1.37.0" } } },
};

/** JSON of a value with every encrypted part replaced: what a reader of the state sees in plain text. */
function plainText(value: unknown): string {
  const strip = (v: unknown): unknown => {
    if (isRpcSecret(v)) return "[secret]";
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  return JSON.stringify(strip(value));
}

describe.each(Object.keys(marked))("a secret multinet:%s", (key) => {
  it("reaches the commands only encrypted, and their reports are encrypted too", async () => {
    const { marker, value } = marked[key];
    const run = await runProgram({ ...base, [`multinet:${key}`]: JSON.stringify(value) }, { stack: "staging", secretKeys: [`multinet:${key}`] });
    expect(run.error).toBeUndefined();
    const commands = run.ofType(command);
    expect(commands.map((c) => c.name).sort()).toEqual(["preflight-check", "verification-check"]);
    for (const check of commands) {
      // The value does reach the command (the check needs it), inside the encrypted environment…
      expect(isRpcSecret(check.inputs.environment)).toBe(true);
      expect(check.inputs.environment.value[configEnvVar]).toContain(marker);
      expect(isRpcSecret(check.inputs.triggers)).toBe(true);
      // …and nowhere in plain text.
      expect(plainText(check.inputs)).not.toContain(marker);
      expect(check.options.additionalSecretOutputs.sort()).toEqual(["stderr", "stdout"]);
      // The update's log is never encrypted: the readable lines are not logged.
      expect(check.inputs.logging).toBe("none");
    }
  });
});

describe("a stack without secrets", () => {
  it("keeps the commands' inputs and reports readable", async () => {
    const run = await runProgram(base, { stack: "staging" });
    for (const check of run.ofType(command)) {
      expect(isRpcSecret(check.inputs.environment)).toBe(false);
      expect(check.inputs.environment[configEnvVar]).toContain("eth1");
      expect(check.options.additionalSecretOutputs).toEqual([]);
      expect(check.inputs.logging).toBe("stderr");
    }
  });
});
