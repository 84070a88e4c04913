import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pulumiConfigFromStackFile, readStackFile, stackNameOf } from "../lib/files/stackFiles";

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

  describe("with encrypted values, which only the Pulumi CLI can decrypt", () => {
    const secretFile = () => stackFile("Pulumi.secret.yaml", [
      "config:",
      "  kubernetes:context: kind-lab",
      "  multinet:flannel:",
      "    backend:",
      "      type: wireguard",
      "      psk:",
      "        secure: v1:abc",
      "  multinet:networks:",
      "    - name: a",
      "      token:",
      "        secure: v1:def",
    ].join("\n"));

    it("is refused by render and the tests, naming every encrypted value, nested ones included", () => {
      // scripts/render.ts and the tests read stack files through pulumiConfigFromStackFile.
      expect(() => pulumiConfigFromStackFile(secretFile()))
        .toThrow(/Pulumi\.secret\.yaml: multinet:flannel\.backend\.psk, multinet:networks\[0\]\.token are encrypted; only the Pulumi CLI can decrypt it/);
    });

    it("loads for the verifier without them, naming what was dropped", () => {
      // scripts/verify.ts reads stack files with readStackFile(file, "drop").
      expect(readStackFile(secretFile(), "drop")).toEqual({
        config: {
          "kubernetes:context": "kind-lab",
          "multinet:flannel": '{"backend":{"type":"wireguard"}}',
          "multinet:networks": '[{"name":"a"}]',
        },
        dropped: ["multinet:flannel.backend.psk", "multinet:networks[0].token"],
      });
    });
  });

  it("refuses a file not named Pulumi.<stack>.yaml", () => {
    expect(() => stackNameOf("/tmp/stack.yaml")).toThrow(/not a stack file/);
  });
});
