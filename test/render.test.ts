/**
 * lib/render/manifests.ts on hand-made resources: ordering, masking, annotation stripping, patch comments and
 * YAML emission. test/manifests.test.ts covers the real program's output.
 */
import { unknown } from "@pulumi/pulumi/output";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { RegisteredResource } from "../lib/render/mockRuntime";
import {
  componentFileStem, isRendered, manifestFiles, manifestsOf, manifestsYaml, redacted, serverSideApplyCommand,
} from "../lib/render/manifests";

const stackUrn = "urn:pulumi:test::multinet::pulumi:pulumi:Stack::multinet-test";
const componentUrn = (type: string, name: string) => `urn:pulumi:test::multinet::${type}::${name}`;
const multus = componentUrn("multinet:index:Multus", "multus");

/** What the mock runtime records for `new k8s.<group>.<Kind>(…, inputs)`. */
function resource(inputs: Record<string, any>, options: { type?: string; parent?: string } = {}): RegisteredResource {
  const [group, version] = inputs.apiVersion.includes("/") ? inputs.apiVersion.split("/") : ["core", inputs.apiVersion];
  return {
    type: options.type ?? `kubernetes:${group}/${version}:${inputs.kind}`,
    name: inputs.metadata.name,
    urn: "",
    custom: true,
    inputs,
    parent: options.parent ?? multus,
    dependencies: [],
    options: {
      retainOnDelete: false, deleteBeforeReplace: false, replaceOnChanges: [], ignoreChanges: [], additionalSecretOutputs: [],
      customTimeouts: { create: "", update: "", delete: "" }, onErrorHooks: [],
    },
  };
}

/** The form a pulumi.secret value arrives in under the mock runtime. */
function wrappedSecret(value: unknown) {
  return { [specialSigKey]: specialSecretSig, value };
}

const objectIds = (resources: RegisteredResource[]) =>
  manifestsOf(resources).map(({ object }) => `${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}`);

describe("manifestsOf", () => {
  it("keeps only Kubernetes objects: no components, no providers", () => {
    const resources = [
      { ...resource({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } }), type: "multinet:index:Multus", custom: false },
      { ...resource({ apiVersion: "v1", kind: "Namespace", metadata: { name: "b" } }), type: "pulumi:providers:kubernetes" },
      resource({ apiVersion: "v1", kind: "Namespace", metadata: { name: "c" } }),
    ];
    expect(objectIds(resources)).toEqual(["Namespace /c"]);
  });

  it("orders by kind as documented, patches after daemons, then namespace and name", () => {
    const shuffled = [
      resource({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" } }),
      resource({ apiVersion: "k8s.cni.cncf.io/v1", kind: "NetworkAttachmentDefinition", metadata: { name: "b", namespace: "default" } }),
      resource({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "calico-node", namespace: "kube-system" } }, { type: "kubernetes:apps/v1:DaemonSetPatch" }),
      resource({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "default" } }),
      resource({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d", namespace: "x" } }),
      resource({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "x" } }),
      resource({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "x" } }),
      resource({ apiVersion: "k8s.cni.cncf.io/v1", kind: "NetworkAttachmentDefinition", metadata: { name: "a", namespace: "storage" } }),
      resource({ apiVersion: "k8s.cni.cncf.io/v1", kind: "NetworkAttachmentDefinition", metadata: { name: "z", namespace: "default" } }),
      resource({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "b" } }),
      resource({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } }),
      resource({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa", namespace: "x" } }),
      resource({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "crd" } }),
      resource({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }),
    ];
    const expected = [
      "Namespace /x", "CustomResourceDefinition /crd", "ServiceAccount x/sa", "ClusterRole /r", "ClusterRoleBinding /b",
      "ConfigMap x/c", "Secret x/s", "DaemonSet x/d", "DaemonSet kube-system/calico-node",
      "NetworkAttachmentDefinition default/b", "NetworkAttachmentDefinition default/z", "NetworkAttachmentDefinition storage/a",
      "Pod default/p", "Service default/s",
    ];
    expect(objectIds(shuffled)).toEqual(expected);
    expect(objectIds([...shuffled].reverse())).toEqual(expected);
  });

  it("prints apiVersion, kind, metadata first, name first in metadata and list entries, the rest sorted", () => {
    const [manifest] = manifestsOf([resource({
      spec: { b: 1, a: [{ value: "v", name: "n" }] },
      metadata: { labels: { z: "1", name: "x" }, namespace: "ns", name: "o" },
      kind: "ConfigMap",
      apiVersion: "v1",
    })]);
    expect(JSON.stringify(manifest.object)).toBe(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"o","namespace":"ns","labels":{"name":"x","z":"1"}},"spec":{"a":[{"name":"n","value":"v"}],"b":1}}');
  });
});

describe("secrets", () => {
  it("masks a pulumi.secret value, keeping its keys, and says so", () => {
    const [manifest] = manifestsOf([resource({
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "x" },
      data: wrappedSecret({ "key.json": "s3cr3t" }),
    })]);
    expect(manifest.object.data).toEqual({ "key.json": redacted });
    expect(manifest.comments.join("\n")).toContain(`Secret values are not printed; "${redacted}" stands for: data.key.json`);
  });

  it("masks a Secret's data and stringData even when Pulumi does not mark them secret", () => {
    const [manifest] = manifestsOf([resource({
      apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "x" }, type: "Opaque",
      data: { a: "YQ==" }, stringData: { b: "b" },
    })]);
    expect(manifest.object).toMatchObject({ data: { a: redacted }, stringData: { b: redacted }, type: "Opaque" });
    expect(manifest.comments.join("\n")).toContain("data.a, stringData.b");
  });

  it("refuses values that are not plain data, e.g. an output only known after deployment", () => {
    const inputs = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "x" }, data: { a: unknown } };
    expect(() => manifestsOf([resource(inputs)])).toThrow(/data\.a: .* is not a plain value/);
  });
});

describe("patches and Pulumi annotations", () => {
  const annotations = { "pulumi.com/patchFieldManager": "our-manager", "pulumi.com/patchForce": "true", "example.com/keep": "yes" };
  const patch = resource(
    { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "calico-node", namespace: "kube-system", annotations } },
    { type: "kubernetes:apps/v1:DaemonSetPatch", parent: componentUrn("multinet:index:CalicoAutodetection", "calico-autodetection") },
  );

  it("strips pulumi.com/* annotations, keeps the rest, and explains how to apply the patch", () => {
    const [manifest] = manifestsOf([patch]);
    expect(manifest.patch).toBe(true);
    expect(manifest.object.metadata.annotations).toEqual({ "example.com/keep": "yes" });
    expect(manifest.comments).toEqual([
      "Server-side-apply patch of DaemonSet kube-system/calico-node: only the fields below, owned by their field manager.",
      "Not for plain kubectl apply; apply it with: kubectl apply --server-side --field-manager=our-manager --force-conflicts -f <file>",
      "Pulumi-only annotations removed: pulumi.com/patchFieldManager=our-manager, pulumi.com/patchForce=true",
    ]);
  });

  it("drops annotations that held only Pulumi's", () => {
    const [manifest] = manifestsOf([resource({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x", annotations: { "pulumi.com/skipAwait": "true" } } })]);
    expect(manifest.object.metadata).toEqual({ name: "x" });
    expect(manifest.patch).toBe(false);
  });

  it("forces conflicts and names the field manager only as Pulumi would", () => {
    expect(serverSideApplyCommand({})).toBe("kubectl apply --server-side -f <file>");
  });
});

describe("YAML", () => {
  const resources = [
    resource({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "x" }, data: { "conf.json": "{\n  \"a\": 1\n}", flag: "true" } }),
    resource({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }, { parent: stackUrn }),
  ];

  it("is a header comment and one document per object that parse back to the objects", () => {
    const manifests = manifestsOf(resources);
    const text = manifestsYaml(manifests, "test");
    expect(isRendered(text)).toBe(true);
    expect(text).toMatch(/^# Rendered by `npm run render` from stack "test"; do not edit/);
    const documents = parseAllDocuments(text).map((d) => d.toJS());
    expect(documents).toEqual(manifests.map((m) => m.object));
    expect(text).toContain("conf.json: |-\n"); // multi-line config stays readable
    expect(text).toContain('flag: "true"'); // a string that looks like a boolean stays a string
  });

  it("is byte-identical for the same resources in any registration order", () => {
    expect(manifestsYaml(manifestsOf([...resources].reverse()), "test")).toBe(manifestsYaml(manifestsOf(resources), "test"));
  });

  it("splits into one file per component, named after the component type", () => {
    const files = manifestFiles(manifestsOf(resources), "test");
    expect(files.map((f) => f.file)).toEqual(["multus.yaml", "stack.yaml"]);
    expect(files[0].content).toMatch(/^# Rendered by `npm run render` from stack "test", component multus;/);
    expect(componentFileStem(componentUrn("multinet:index:FlannelAttachment", "flannel"))).toBe("flannel-attachment");
    expect(componentFileStem(componentUrn("multinet:index:Outer$multinet:index:NetworkAttachment", "default/a"))).toBe("network-attachment");
  });
});
