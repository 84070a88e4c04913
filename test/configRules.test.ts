/**
 * The value rules of lib/config one by one, against the upstream behaviour each encodes (cited in
 * the rule's source), and the scale promises: thousands of errors, adversarial strings, many networks.
 */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatConfigErrors, imageProblem, interfaceNameProblem, pulumiConfigFromStackText, quantityValue, validateStackConfig } from "../lib/config";
import { overlappingPairs, type AddressRange } from "../lib/config/addresses";
import { resolvePlainScalar } from "../lib/config/goYaml";
import { lookAlikeNamespaceProblem } from "../lib/config/configKeys";
import { goRegexpProblem } from "../lib/config/re2";

describe("plain YAML scalars, as gopkg.in/yaml.v3 resolve.go reads them", () => {
  it.each([
    ["0755", 493], ["0o755", 493], ["0x1F", 31], ["0b101", 5], ["-0x10", -16], ["1_000", 1000], ["+12", 12], ["08", 8],
    ["1e3", 1000], [".5", 0.5], ["1.", 1], ["true", true], ["True", true], ["FALSE", false], ["~", null], ["null", null], ["", null],
    ["yes", "yes"], ["no", "no"], ["on", "on"], ["off", "off"], ["y", "y"], ["tRUE", "tRUE"], ["1e400", "1e400"], ["0x", "0x"],
    ["eth0", "eth0"], ["10.0.0.1", "10.0.0.1"], ["1.2.3", "1.2.3"], ["-", "-"], ["<<", "<<"], ["12:30", "12:30"],
  ])("%s reads as %j", (text, value) => {
    expect(resolvePlainScalar(text)).toEqual({ ok: true, value });
  });

  it.each(["2024-01-01", "2001-12-14t21:59:43.10Z", "2002-12-14 21:59:43", ".inf", "-.Inf", ".NaN", "9007199254740993"])("%s is refused", (text) => {
    expect(resolvePlainScalar(text)).toMatchObject({ ok: false });
  });

  it("keeps top-level scalars as the text of their Go value, nested ones as JSON", () => {
    const { config } = pulumiConfigFromStackText("config:\n  a:x: 0755\n  a:y: yes\n  a:z:\n  multinet:m: {v: 0o10, s: '0o10', n: ~}\n", "Pulumi.t.yaml", "refuse");
    expect(config).toEqual({ "a:x": "493", "a:y": "yes", "a:z": "", "multinet:m": '{"v":8,"s":"0o10","n":null}' });
  });
});

describe("Go regular expressions (RE2), as calico-node and flanneld compile them", () => {
  it.each(["eth0", "(?i)ETH[0-9]+", "^ens\\d+$", "\\pL+", "(a*)*b", "[[:alpha:]]+"])("%s compiles", (pattern) => {
    expect(goRegexpProblem(pattern)).toBeUndefined();
  });
  it.each(["eth(?=0)", "eth(?!0)", "(?<=x)y", "(a)\\1", "\\k<n>", "eth[", "a{1001}", "(?P<n>a)(?P=n)"])("%s does not", (pattern) => {
    expect(goRegexpProblem(pattern)).toMatch(/error parsing regexp/);
  });
});

describe("interface names, as the kernel's dev_valid_name counts them", () => {
  it.each(["eth0", "a".repeat(15), "ethé0", "bond0.100", "br-data_1"])("%s is valid", (name) => {
    expect(interfaceNameProblem(name)).toBeUndefined();
  });
  it.each([
    ["", /empty/], ["a".repeat(16), /16 bytes/], ["é".repeat(8), /16 bytes/], ["brà", /white space/], [".", /'\.'/], ["..", /'\.'/],
    ["a/b", /'\/'/], ["a:b", /':'/], ["a b", /white space/], ["a\tb", /white space/], ["a\u00a0b", /white space/], ["a\u2003b", /white space/],
    ["a\u0001b", /control/], ["a\u007fb", /control/], ["a\u200db", /control or format/], ["net@1", /'@'/], ["a,b", /','/],
  ])("%j is refused", (name, why) => {
    expect(interfaceNameProblem(name as string)).toMatch(why as RegExp);
  });
});

describe("image references, per distribution/reference", () => {
  it.each([
    "nginx:1.29.3", "docker.io/library/nginx:1.29.3", "registry.local:5000/a/b/c:v1", "[fd00::1]:5000/busybox:1.37.0", "Registry.Example.com/x:1",
    "a__b--c.d:1", `nginx@sha256:${"0".repeat(64)}`, `nginx:1.0@sha512:${"f".repeat(128)}`, `x:${"a".repeat(128)}`,
  ])("%s is pinned and valid", (image) => {
    expect(imageProblem(image)).toBeUndefined();
  });
  it.each([
    ["nginx", /no tag/], ["nginx:latest", /floating/], ["nginx:", /empty tag/], ["Nginx:1", /not an image reference/], ["a//b:1", /not an image reference/],
    [`x:${"a".repeat(129)}`, /not an image reference/], ["x:-1", /not an image reference/], ["x_:1", /not an image reference/],
    [`nginx@sha256:${"A".repeat(64)}`, /invalid digest/], [`nginx@sha256:${"a".repeat(63)}`, /invalid digest/], [`nginx@md5:${"a".repeat(32)}`, /invalid digest/],
    [`r.io/${"a".repeat(260)}:1`, /longer than 255/],
  ])("%s is refused", (image, why) => {
    expect(imageProblem(image)).toMatch(why);
  });
});

describe("quantities, per apimachinery's ParseQuantity grammar", () => {
  it.each([["100m", 0.1], ["0.5", 0.5], [".5", 0.5], ["1.", 1], ["+1", 1], ["128Mi", 128 * 2 ** 20], ["1e3", 1000], ["1E-3", 0.001], ["2k", 2000], ["1Ei", 2 ** 60], ["5n", 5e-9]])("%s is %d", (text, value) => {
    expect(quantityValue(text)).toBeCloseTo(value, 12);
  });
  it.each(["", "1.5.5", "1 Gi", "100MB", "100ki", "1e", "e3", "1Ki2", "0x10", "1,5"])("%j is not a quantity", (text) => {
    expect(quantityValue(text)).toBeUndefined();
  });
});

describe("look-alike namespaces", () => {
  it.each(["multnet", "Multinet", "MULTINET", "mutlinet", "multinets", "multi-net", "мultinet", "ｍｕｌｔｉｎｅｔ", "multi\u200bnet", "multínet", "flannel", "samplePod"])("%s is refused", (namespace) => {
    expect(lookAlikeNamespaceProblem(namespace)).toBeDefined();
  });
  it.each(["multinet", "kubernetes", "pulumi", "aws", "azure-native", "multinetwork-tools", "mesh", "network"])("%s is not ours to judge", (namespace) => {
    expect(lookAlikeNamespaceProblem(namespace)).toBeUndefined();
  });
});

describe("the overlap sweep", () => {
  it("finds a clashing pair for every range that overlaps another, as a brute-force check does", () => {
    let seed = 7;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let round = 0; round < 200; round++) {
      const ranges: AddressRange[] = Array.from({ length: 2 + random(12) }, (_, order) => {
        const start = BigInt(random(100));
        return { family: "ipv4", start, end: start + BigInt(random(20)), text: "", key: `r${order}`, group: `g${random(4)}`, order };
      });
      const clash = (a: AddressRange, b: AddressRange) => a.group !== b.group && a.start <= b.end && b.start <= a.end;
      const clashing = new Set(ranges.filter((a) => ranges.some((b) => clash(a, b))).map((r) => r.key));
      const pairs = overlappingPairs(ranges);
      for (const [a, b] of pairs) expect(clash(a, b)).toBe(true);
      expect(new Set(pairs.flat().map((r) => r.key))).toEqual(clashing);
    }
  });
});

describe("scale", () => {
  const base = { "multinet:calico": { ipv4Autodetection: { interface: "eth0" } }, "multinet:samplePod": { enabled: false } };
  const read = (config: Record<string, unknown>) => pulumiConfigFromStackText(stringify({ config }, { lineWidth: 0 }), "Pulumi.scale.yaml", "refuse").config;

  it("reports thousands of errors, one line each, without a crash", () => {
    const networks = Array.from({ length: 3000 }, (_, i) => ({ name: `Bad_${i}`, type: "bridge", bridge: `bridge-name-too-long-${i}`, ipam: { type: "host-local", ranges: [{ subnet: "10.0.0.0/8", gateway: "11.0.0.1" }] } }));
    const result = validateStackConfig(read({ ...base, "multinet:networks": networks }));
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.length).toBeGreaterThanOrEqual(6000);
    for (const error of errors) expect(error).toMatch(/^multinet:networks\[\d+\]\.\S+: [^\n]+$/);
    expect(formatConfigErrors(errors).split("\n")).toHaveLength(errors.length + 1);
  });

  it("validates 10,000 networks as the program receives them within a loose bound (npm run bench:config measures reading too)", () => {
    const subnet = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.0/24`;
    const networks = Array.from({ length: 10_000 }, (_, i) => ({ name: `net-${i}`, type: "macvlan", master: "eth1", ipam: { type: "host-local", ranges: [{ subnet: subnet(i) }] } }));
    const config = Object.fromEntries(Object.entries({ ...base, "multinet:networks": networks }).map(([key, value]) => [key, JSON.stringify(value)]));
    const started = Date.now();
    expect(validateStackConfig(config)).toMatchObject({ ok: true });
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it.each([
    ["letters then dashes", `${"a".repeat(50_000)}${"-".repeat(50_000)}!`],
    ["separators", `a${":@/.-_".repeat(20_000)}`],
    ["digits and dots", `v1.${"1.".repeat(50_000)}x`],
  ])("runs no pattern on user input that backtracks: 100k characters of %s in every checked field", (_, long) => {
    const started = Date.now();
    const result = validateStackConfig(read({
      ...base,
      "multinet:flannel": { imageRepository: long, version: long, nodeSelector: { [long]: long }, priorityClassName: long, ifaceRegex: [`(${"a*".repeat(500)})*b`], network: long },
      "multinet:samplePod": { image: long, name: long, networks: [{ name: long, interface: long, ips: [long] }] },
      "multinet:multus": { primaryCniConfig: long, tolerations: [{ key: long, value: long }], resources: { requests: { cpu: `${"1".repeat(100_000)}x` } } },
      "multinet:calico": { ipv4Autodetection: { canReach: long } },
    }));
    expect(result.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const error of result.ok ? [] : result.errors) expect(error.length).toBeLessThan(1000);
  });
});
