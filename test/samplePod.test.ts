import { describe, expect, it } from "vitest";
import { samplePodSchema } from "../lib/config";
import { attachmentInterfaces, networksAnnotationValue, samplePod } from "../lib/samplePod";

describe("sample pod", () => {
  it("asks for its networks in the annotation's short form", () => {
    expect(networksAnnotationValue([{ name: "flannel" }], "default")).toBe("flannel");
    expect(networksAnnotationValue([
      { name: "flannel", namespace: "default" },
      { name: "storage", namespace: "storage", interface: "stor0" },
    ], "default")).toBe("flannel,storage/storage@stor0");
  });

  it("names attachments net1, net2, … unless told otherwise", () => {
    expect(attachmentInterfaces([{ name: "a" }, { name: "b", interface: "data0" }, { name: "c" }])).toEqual(["net1", "data0", "net3"]);
  });

  it("is a named, pinned, resource-bounded pod", () => {
    const pod = samplePod(samplePodSchema.parse({ networks: [{ name: "flannel" }] }));
    expect(pod.metadata).toMatchObject({ name: "multinet-sample", namespace: "default", annotations: { "k8s.v1.cni.cncf.io/networks": "flannel" } });
    const [container] = pod.spec!.containers;
    expect(container.image).toMatch(/^docker\.io\/library\/nginx:\d+\.\d+\.\d+$/);
    expect(container.resources).toEqual({ requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } });
  });
});
