/**
 * The Preflight and Verification components under Pulumi's mock runtime, with each real stack file:
 * `command:local:Command` resources running scripts/verify.ts, the preflight ahead of everything
 * that changes the cluster, the verification after everything it checks, nothing when turned off.
 */
import { isRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { multinetValues, publicConfig, validateConfig } from "../lib/config";
import { pulumiConfigForStack, stackNames } from "../lib/files/stackFiles";
import { runProgram, type ProgramRun, type RegisteredResource } from "./helpers/mockProgram";

const T = {
  command: "command:local:Command",
  preflight: "multinet:index:Preflight",
  verification: "multinet:index:Verification",
  pod: "kubernetes:core/v1:Pod",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  nad: "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition",
};
/** Components whose children change the cluster. */
const changers = ["multinet:index:Multus", "multinet:index:FlannelAttachment", "multinet:index:CalicoAutodetection", "multinet:index:NetworkAttachment", "multinet:index:SamplePod"];

const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const stack of stackNames()) runs.set(stack, await runProgram(pulumiConfigForStack(stack), { stack }));
});
const run = (stack: string) => runs.get(stack)!;
const dependsOn = (resource: RegisteredResource, target: RegisteredResource) => resource.dependencies.includes(target.urn);
const components = (r: ProgramRun, type: string) => r.resources.filter((res) => res.type === type);
/** ` --context <ctx>` when the stack sets kubernetes:context. */
const contextArgs = (stack: string) => {
  const context = pulumiConfigForStack(stack)["kubernetes:context"];
  return context ? ` --context ${context}` : "";
};
/** MULTINET_CONFIG of a command, parsed and validated as scripts/verify.ts does. */
function handedConfig(command: RegisteredResource) {
  // A stack with a secret key hands the environment over encrypted (test/secrets.test.ts).
  const environment = isRpcSecret(command.inputs.environment) ? command.inputs.environment.value : command.inputs.environment;
  const result = validateConfig(JSON.parse(environment.MULTINET_CONFIG));
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

describe.each(stackNames())("stack %s", (stack) => {
  it("runs the preflight as a local command, inside its component", () => {
    const r = run(stack);
    expect(r.error).toBeUndefined();
    const check = r.get(T.command, "preflight-check");
    expect(check.inputs.create).toBe(`npx --no tsx scripts/verify.ts --stack ${stack} --json${contextArgs(stack)} --preflight`);
    expect(check.inputs.logging).toBe("stderr");
    expect(check.parent).toBe(r.urnOf(T.preflight, "preflight"));
  });

  it("makes every component that changes the cluster wait for the preflight", () => {
    const r = run(stack);
    const check = r.get(T.command, "preflight-check");
    const dependents = r.resources.filter((res) => changers.includes(res.type));
    expect(dependents.length).toBeGreaterThan(0);
    for (const component of dependents) expect(dependsOn(component, check), `${component.type} ${component.name}`).toBe(true);
    for (const nad of r.ofType(T.nad)) expect(dependsOn(nad, check), nad.name).toBe(true);
  });

  it("verifies after every DaemonSet, NAD and the sample pod, re-running when the pod or config changes", () => {
    const r = run(stack);
    const check = r.get(T.command, "verification-check");
    expect(check.inputs.create).toBe(`npx --no tsx scripts/verify.ts --stack ${stack} --json${contextArgs(stack)}`);
    expect(check.inputs.logging).toBe("stderr");
    expect(check.parent).toBe(r.urnOf(T.verification, "verification"));
    for (const target of [...r.ofType(T.daemonSet), ...r.ofType(T.nad), ...r.ofType(T.pod)]) {
      expect(dependsOn(check, target), `${target.type} ${target.name}`).toBe(true);
    }
    const [config] = check.inputs.triggers;
    expect(Object.keys(config).sort()).toEqual(["calico", "cniPlugins", "flannel", "multiNetworkPolicy", "multus", "networks", "policies", "samplePod", "verification", "whereabouts"]);
    expect(check.inputs.triggers).toHaveLength(3);
  });

  it("hands both commands the config the program validated, in MULTINET_CONFIG", () => {
    const r = run(stack);
    const result = validateConfig(multinetValues(pulumiConfigForStack(stack)));
    if (!result.ok) throw new Error(result.errors.join("\n"));
    for (const name of ["preflight-check", "verification-check"]) {
      const check = r.get(T.command, name);
      expect(Object.keys(check.inputs.environment)).toEqual(["MULTINET_CONFIG"]);
      expect(handedConfig(check)).toEqual(publicConfig(result.config));
    }
  });
});

describe("the config the commands check", () => {
  it("is the one Pulumi resolved (ESC, -c overrides), not the stack file on disk", async () => {
    const overridden = { ...pulumiConfigForStack("staging"), "multinet:flannel": JSON.stringify({ network: "10.250.0.0/16", iface: ["eth9"] }) };
    const r = await runProgram(overridden, { stack: "staging" });
    expect(r.error).toBeUndefined();
    for (const name of ["preflight-check", "verification-check"]) {
      expect(handedConfig(r.get(T.command, name)).flannel).toMatchObject({ network: "10.250.0.0/16", iface: ["eth9"] });
    }
  });

  it("comes with the stack's kubernetes:context", () => {
    expect(run("kind").get(T.command, "verification-check").inputs.create).toBe("npx --no tsx scripts/verify.ts --stack kind --json --context kind-multinet");
  });
});

describe("stack files that use it", () => {
  it("staging verifies its sample pod", () => {
    const r = run("staging");
    expect(dependsOn(r.get(T.command, "verification-check"), r.get(T.pod, "default/multinet-sample"))).toBe(true);
  });

  it("prod, without a sample pod, still verifies the DaemonSets, Calico and NADs", () => {
    const r = run("prod");
    expect(r.ofType(T.pod)).toEqual([]);
    expect(dependsOn(r.get(T.command, "verification-check"), r.get(T.nad, "storage/storage"))).toBe(true);
  });
});

describe("turning pieces off", () => {
  const withVerification = (stack: string, verification: Record<string, unknown>) =>
    ({ ...pulumiConfigForStack(stack), "multinet:verification": JSON.stringify(verification) });

  it("creates neither command nor component when both are disabled", async () => {
    const r = await runProgram(withVerification("staging", { enabled: false, preflight: { enabled: false } }), { stack: "staging" });
    expect(r.error).toBeUndefined();
    expect(r.ofType(T.command)).toEqual([]);
    expect(components(r, T.preflight)).toEqual([]);
    expect(components(r, T.verification)).toEqual([]);
    expect(r.get("multinet:index:Multus", "multus").dependencies).toEqual([]);
  });

  it("keeps the preflight when only the verification is off, and the other way round", async () => {
    const noVerify = await runProgram(withVerification("staging", { enabled: false }), { stack: "staging" });
    expect(noVerify.ofType(T.command).map((c) => c.name)).toEqual(["preflight-check"]);
    const noPreflight = await runProgram(withVerification("staging", { preflight: { enabled: false } }), { stack: "staging" });
    expect(noPreflight.ofType(T.command).map((c) => c.name)).toEqual(["verification-check"]);
    expect(noPreflight.get("multinet:index:Multus", "multus").dependencies).toEqual([]);
  });

  it("only records failures with failOnError: false", async () => {
    const r = await runProgram(withVerification("staging", { failOnError: false }), { stack: "staging" });
    expect(r.get(T.command, "verification-check").inputs.create).toBe("npx --no tsx scripts/verify.ts --stack staging --json --exit-zero");
    expect(r.get(T.command, "preflight-check").inputs.create).toBe("npx --no tsx scripts/verify.ts --stack staging --json --preflight");
  });

  it("rejects unknown verification keys like any other config", async () => {
    const r = await runProgram(withVerification("staging", { pingBetweenPods: true }), { stack: "staging" });
    expect(String(r.error)).toMatch(/multinet:verification\.pingBetweenPods: unknown key; allowed keys: enabled, failOnError, timeoutSeconds, ping, preflight/);
  });
});

describe("secrets", () => {
  it("never put the WireGuard PSK into a command's triggers", async () => {
    const psk = `${"k".repeat(43)}=`;
    const config = {
      ...pulumiConfigForStack("staging"),
      "multinet:flannel": JSON.stringify({ iface: ["eth1"], backend: { type: "wireguard", psk } }),
    };
    const r = await runProgram(config, { stack: "staging", secretKeys: ["multinet:flannel"] });
    expect(r.error).toBeUndefined();
    for (const command of r.ofType(T.command)) {
      expect(JSON.stringify(command.inputs.triggers)).not.toContain(psk);
      expect(JSON.stringify(command.inputs.environment)).not.toContain(psk);
      expect(handedConfig(command).flannel.backend).toEqual({ type: "wireguard", listenPort: 51820 });
    }
  });
});
