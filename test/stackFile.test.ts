import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pulumiConfigFromStackFile, stackNameOf } from "../lib/files/stackFiles";

const dir = mkdtempSync(path.join(tmpdir(), "multinet-stackfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stackFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("reading a stack file as the Pulumi CLI hands it over", () => {
  it("namespaces keys and passes structured values as JSON, plain ones as text", () => {
    const file = stackFile("Pulumi.lab.yaml", "config:\n  kubernetes:context: kind-lab\n  multinet:flannel:\n    iface: [eth1]\n  bare: value\n");
    expect(pulumiConfigFromStackFile(file)).toEqual({
      "kubernetes:context": "kind-lab",
      "multinet:flannel": '{"iface":["eth1"]}',
      "multinet:bare": "value",
    });
    expect(stackNameOf(file)).toBe("lab");
  });

  it("names every encrypted value, nested ones included, since nothing here can decrypt them", () => {
    const file = stackFile("Pulumi.secret.yaml", [
      "config:",
      "  multinet:flannel:",
      "    backend:",
      "      type: wireguard",
      "      psk:",
      "        secure: v1:abc",
    ].join("\n"));
    expect(() => pulumiConfigFromStackFile(file)).toThrow(/multinet:flannel\.backend\.psk is encrypted; only the Pulumi CLI can decrypt it/);
  });

  it("refuses a file not named Pulumi.<stack>.yaml", () => {
    expect(() => stackNameOf("/tmp/stack.yaml")).toThrow(/not a stack file/);
  });
});
