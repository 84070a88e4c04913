/**
 * lib/kube/ against a stubbed API client (no server): request deadlines that cover whatever
 * happens before the request is sent, the HTTP status kept for retry decisions, and the peer pod's
 * ownership check before any delete.
 */
import { ApiException, type CoreV1Api } from "@kubernetes/client-node";
import type { IPod } from "kubernetes-models/v1/Pod";
import { describe, expect, it, vi } from "vitest";
import { isAuthError, isRetryable, KubeError, type Kube } from "../lib/kube/connection";
import { RunDeadline } from "../lib/kube/deadline";
import { deletePeer, startPeer } from "../lib/kube/peer";
import { listNodes } from "../lib/kube/reads";
import { peerLabels } from "../lib/verify/ping";

const never = () => new Promise<never>(() => undefined);
const apiError = (code: number, message = "") => new ApiException(code, message, JSON.stringify({ kind: "Status", message, code }), {});

/**
 * A Kube whose writes are `core`'s stubs and whose reads (`get`) go to the stub named after
 * client-node's method for that path (listNode, readNamespacedPod, listNamespacedEvent).
 */
function kube(core: Partial<Record<keyof CoreV1Api, unknown>>, requestTimeoutMs = 100): Kube {
  const stub = core as Record<string, (request?: unknown) => Promise<unknown>>;
  const get = (path: string, query: Record<string, string> = {}) => {
    if (path === "/api/v1/nodes") return stub.listNode();
    if (path.endsWith("/events")) return stub.listNamespacedEvent({ fieldSelector: query.fieldSelector });
    if (/\/pods\/[^/]+$/.test(path)) return stub.readNamespacedPod();
    return Promise.reject(new Error(`no stub for GET ${path}`));
  };
  return {
    context: "test",
    server: "https://127.0.0.1:6443",
    core: core as unknown as CoreV1Api,
    get,
    exec: {} as Kube["exec"],
    requestTimeoutMs,
    attemptIntervalMs: 100,
    peerPollMs: 100,
    deadline: new RunDeadline(Date.now() + 60_000, "test"),
  };
}

const peer = (overrides: Partial<NonNullable<IPod["metadata"]>> = {}): IPod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "multinet-sample-peer", namespace: "default", uid: "peer-uid-1", labels: { ...peerLabels, app: "multinet-sample-peer" }, ...overrides },
});

describe.concurrent("request deadlines", () => {
  it("end a request that never gets sent (e.g. a hanging exec credential plugin)", async () => {
    const started = Date.now();
    await expect(listNodes(kube({ listNode: never }))).rejects.toThrow(new KubeError("cannot read the nodes: no answer within 0.1s"));
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("also bound deleting and creating the peer pod", async () => {
    const deleting = kube({ readNamespacedPod: () => Promise.resolve(peer()), deleteNamespacedPod: never });
    const creating = kube({ readNamespacedPod: () => Promise.reject(apiError(404)), createNamespacedPod: never });
    const [deleted, started] = await Promise.all([deletePeer(deleting, "default", "multinet-sample-peer"), startPeer(creating, peer(), Date.now() + 5000)]);
    expect(deleted).toBe("cannot delete the peer pod default/multinet-sample-peer: no answer within 0.1s");
    expect(started).toEqual({ error: "cannot create the peer pod default/multinet-sample-peer: no answer within 0.1s" });
  });
});

describe("API errors", () => {
  it("keep their HTTP status: 5xx and 429 are worth a retry, 401 and 403 are not", async () => {
    const unavailable = await listNodes(kube({ listNode: () => Promise.reject(apiError(503, "etcd leader changed")) })).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(KubeError);
    expect(unavailable).toMatchObject({ status: 503, message: "cannot read the nodes: HTTP 503: etcd leader changed" });
    expect(isRetryable(unavailable)).toBe(true);

    const throttled = await listNodes(kube({ listNode: () => Promise.reject(apiError(429)) })).catch((e: unknown) => e);
    expect(isRetryable(throttled)).toBe(true);

    const forbidden = await listNodes(kube({ listNode: () => Promise.reject(apiError(403, "nodes is forbidden")) })).catch((e: unknown) => e);
    expect(isAuthError(forbidden)).toBe(true);
    expect(isRetryable(forbidden)).toBe(false);
    expect(isRetryable(new Error("a bug"))).toBe(false);
  });
});

describe.concurrent("the peer pod", () => {
  it("is deleted only when it carries the verifier's labels, and by UID", async () => {
    const deleteNamespacedPod = vi.fn(() => Promise.resolve({}));
    const ours = kube({ readNamespacedPod: () => Promise.resolve(peer()), deleteNamespacedPod });
    expect(await deletePeer(ours, "default", "multinet-sample-peer")).toBeUndefined();
    expect(deleteNamespacedPod).toHaveBeenCalledWith({
      name: "multinet-sample-peer", namespace: "default", gracePeriodSeconds: 0, body: { preconditions: { uid: "peer-uid-1" } },
    });

    deleteNamespacedPod.mockClear();
    const someoneElses = kube({ readNamespacedPod: () => Promise.resolve(peer({ labels: { app: "multinet-sample-peer" } })), deleteNamespacedPod });
    expect(await deletePeer(someoneElses, "default", "multinet-sample-peer")).toMatch(/^pod default\/multinet-sample-peer is not the verifier's peer .*: left alone$/);
    expect(await deletePeer(ours, "default", "multinet-sample-peer", "another-run-uid")).toMatch(/no longer the one this run created: left alone$/);
    expect(deleteNamespacedPod).not.toHaveBeenCalled();
  });

  it("turns a failed delete into a note instead of an error, and treats a pod already gone as deleted", async () => {
    const failing = kube({ readNamespacedPod: () => Promise.resolve(peer()), deleteNamespacedPod: () => Promise.reject(apiError(500, "internal error")) });
    expect(await deletePeer(failing, "default", "multinet-sample-peer")).toBe("cannot delete the peer pod default/multinet-sample-peer: HTTP 500: internal error");
    const unreadable = kube({ readNamespacedPod: () => Promise.reject(apiError(403, "pods is forbidden")) });
    expect(await deletePeer(unreadable, "default", "multinet-sample-peer")).toMatch(/^cannot check the peer pod default\/multinet-sample-peer before deleting it: .*403 Forbidden/);
    const gone = kube({ readNamespacedPod: () => Promise.resolve(peer()), deleteNamespacedPod: () => Promise.reject(apiError(404)) });
    expect(await deletePeer(gone, "default", "multinet-sample-peer")).toBeUndefined();
  });

  it("says an answer client-node's models trip over is malformed, without JavaScript's words", async () => {
    const tripping = kube({ readNamespacedPod: () => Promise.reject(apiError(404)), createNamespacedPod: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'uid')")) });
    expect(await startPeer(tripping, peer(), Date.now() + 5000)).toEqual({
      error: "cannot create the peer pod default/multinet-sample-peer: the API server's answer could not be read (not the shape of a Kubernetes object)",
    });
  });

  it("never replaces a pod of the same name that is not the verifier's", async () => {
    const createNamespacedPod = vi.fn();
    const taken = kube({ readNamespacedPod: () => Promise.resolve(peer({ labels: {} })), createNamespacedPod });
    expect(await startPeer(taken, peer(), Date.now() + 5000)).toMatchObject({ error: expect.stringMatching(/^cannot replace default\/multinet-sample-peer: pod .* is not the verifier's peer/) });
    expect(createNamespacedPod).not.toHaveBeenCalled();
  });

  it("reports the last warning of the pod it created, not of an earlier pod with the same name", async () => {
    const created = peer({ uid: "peer-uid-2" });
    // deletePeer's look for a leftover, the wait until it is gone, then the wait for the new pod.
    const reads: Array<() => Promise<unknown>> = [() => Promise.reject(apiError(404)), () => Promise.reject(apiError(404)), () => Promise.resolve({ ...created, status: { phase: "Failed" } })];
    const listNamespacedEvent = vi.fn((_: { fieldSelector: string }) => Promise.resolve({
      items: [
        { reason: "FailedCreatePodSandBox", message: "ours", involvedObject: { uid: "peer-uid-2" }, lastTimestamp: "2026-11-27T21:40:00Z" },
        { reason: "FailedMount", message: "an earlier pod's", involvedObject: { uid: "peer-uid-1" }, lastTimestamp: "2026-11-27T21:50:00Z" },
      ],
    }));
    const k = kube({ readNamespacedPod: () => (reads.shift() ?? never)(), createNamespacedPod: () => Promise.resolve(created), listNamespacedEvent });
    expect(await startPeer(k, peer(), Date.now() + 5000)).toEqual({
      uid: "peer-uid-2", error: "the peer pod default/multinet-sample-peer is Failed; last warning: FailedCreatePodSandBox: ours",
    });
    expect(listNamespacedEvent.mock.calls[0][0].fieldSelector)
      .toBe("involvedObject.kind=Pod,involvedObject.name=multinet-sample-peer,involvedObject.uid=peer-uid-2,type=Warning");
  });

  it("names a CNI plugin missing on the peer's node and the fix", async () => {
    const created = peer({ uid: "peer-uid-3" });
    const stuck = { ...created, spec: { ...created.spec, nodeName: "worker-1" }, status: { phase: "Failed" } };
    const reads: Array<() => Promise<unknown>> = [() => Promise.reject(apiError(404)), () => Promise.reject(apiError(404)), () => Promise.resolve(stuck)];
    const listNamespacedEvent = () => Promise.resolve({ items: [{
      reason: "FailedCreatePodSandBox", involvedObject: { uid: "peer-uid-3" }, lastTimestamp: "2026-11-27T21:40:00Z",
      message: 'plugin type="multus-shim" failed (add): [default/multinet-sample-peer/peer-uid-3:flannel]: error adding container to network "flannel": failed to find plugin "bridge" in path [/opt/cni/bin]',
    }] });
    const k = kube({ readNamespacedPod: () => (reads.shift() ?? never)(), createNamespacedPod: () => Promise.resolve(created), listNamespacedEvent });
    expect(await startPeer(k, peer(), Date.now() + 5000)).toMatchObject({
      error: 'the peer pod default/multinet-sample-peer is Failed; the CNI plugin "bridge" (network flannel) is missing from /opt/cni/bin on node worker-1; install it: set multinet:cniPlugins.enabled: true (it copies the reference plugins to every node), or install containernetworking/plugins into /opt/cni/bin on node worker-1',
    });
  });

  it("keeps waiting for the peer through a transient read failure", async () => {
    const running = { ...peer(), status: { phase: "Running" }, metadata: { ...peer().metadata, annotations: { "k8s.v1.cni.cncf.io/network-status": "[]" } } };
    const reads: Array<() => Promise<unknown>> = [
      () => Promise.reject(apiError(404)), () => Promise.reject(apiError(404)), () => Promise.reject(apiError(503)), () => Promise.resolve(running),
    ];
    const k = kube({ readNamespacedPod: () => reads.shift()!(), createNamespacedPod: () => Promise.resolve(peer()) });
    expect(await startPeer(k, peer(), Date.now() + 10_000)).toEqual({ pod: running, uid: "peer-uid-1" });
  }, 10_000);
});
