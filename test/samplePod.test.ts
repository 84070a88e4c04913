import { describe, expect, it } from "vitest";
import { samplePodSchema } from "../lib/config";
import { attachmentsHashAnnotation, samplePod } from "../lib/build/samplePod";
import { attachmentInterfaces, nadReference, networksAnnotationValue } from "../lib/config";

describe("sample pod", () => {
  it("asks for its networks in the annotation's short form", () => {
    expect(networksAnnotationValue([{ name: "flannel" }], "default")).toBe("flannel");
    expect(networksAnnotationValue([
      { name: "flannel", namespace: "default" },
      { name: "storage", namespace: "storage", interface: "stor0" },
    ], "default")).toBe("flannel,storage/storage@stor0");
  });

  it("switches to the JSON form when a reference carries its own addresses", () => {
    expect(JSON.parse(networksAnnotationValue([
      { name: "flannel" },
      { name: "storage", namespace: "storage", interface: "stor0", ips: ["10.50.1.5/22"] },
    ], "default"))).toEqual([
      { name: "flannel" },
      { name: "storage", namespace: "storage", interface: "stor0", ips: ["10.50.1.5/22"] },
    ]);
  });

  it("names attachments net1, net2, … unless told otherwise", () => {
    expect(attachmentInterfaces([{ name: "a" }, { name: "b", interface: "data0" }, { name: "c" }])).toEqual(["net1", "data0", "net3"]);
  });

  it("changes its attachments hash when a NAD it uses changes, so the pod is replaced", () => {
    const config = samplePodSchema.parse({ networks: [{ name: "flannel" }] });
    const hash = (configs: string[]) => samplePod(config, configs).metadata.annotations![attachmentsHashAnnotation];
    expect(hash(['{"type":"flannel"}'])).toBe(hash(['{"type":"flannel"}']));
    expect(hash(['{"type":"flannel"}'])).not.toBe(hash(['{"type":"flannel","delegate":{"hairpinMode":true}}']));
  });

  it("resolves a reference's namespace to the pod's unless given", () => {
    expect(nadReference({ name: "flannel" }, "apps")).toBe("apps/flannel");
    expect(nadReference({ name: "storage", namespace: "storage" }, "apps")).toBe("storage/storage");
  });
});
