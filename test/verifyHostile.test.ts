/**
 * The hostile corpus: the verify command (scripts/verify.ts's runVerify, in this process) against
 * loopback API servers that misbehave in every way we know of — hanging, dripping, flooding,
 * dropping the connection half-way, answering HTML, redirecting elsewhere, not speaking HTTP,
 * sending objects of the wrong shape or data that proves nothing, garbling the exec stream. Each
 * behaviour has an expected verdict: the exit code, the one line that says why, nothing on stdout
 * on a rejection, no JavaScript error text or stack trace anywhere, done within the deadline.
 * A behaviour that concerns both commands runs as verify and as preflight with the same exit code.
 * The runs go a dozen at a time in beforeAll, the waiting ones first, so the corpus takes little
 * more than its longest deadline; each behaviour is then its own test. Most look once (`--timeout 0`, which still ends within 30 s); those about the
 * deadline itself run with `--timeout 8` and must end by it. Only 127.0.0.1 is used.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hooks } from "./fixtures/verify/fakeApiServer";
import {
  body, closeFrame, closeMidBody, drip, endless, execReply, execStream, hang, html, javascriptErrorText, json, on, onExec, redirect, slam,
  startRawServer, statusFrame, stdoutFrame, success, verdictProblem, type Answer, type Verdict,
} from "./helpers/hostileApi";
import { against, clusterRoutes, kubeconfig, verifyInProcess, type Outcome } from "./helpers/verifyCommand";

type Mode = "verify" | "preflight";

interface Behaviour {
  name: string;
  /** Which commands meet it; both (the default) must end with the same exit code. */
  modes?: Mode[];
  hooks?: (trap: string) => Hooks;
  routes?: (routes: Record<string, any>) => void;
  /** Instead of the fake API server: a server that is not HTTP, or an https URL for a plain one. */
  server?: "ssh" | "tls-to-plain";
  /** `--timeout`: 0 (look once) unless the behaviour is about waiting. */
  timeout?: number;
  code: Verdict["code"];
  /** The line that says why, per command when they word it differently. */
  line: RegExp | Record<Mode, RegExp>;
}

/** The deadline of the behaviours about the deadline; a look (`--timeout 0`) ends within 30 s. */
const deadline = 8;
const lookOnceSeconds = 30;
/** Runs at a time: enough that the waiting behaviours overlap, few enough to keep the event loop free. */
const concurrentRuns = 12;
const nodes = "/api/v1/nodes";
const multus = "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds";
const samplePod = "/api/v1/namespaces/default/pods/multinet-sample";
const nad = "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/flannel";
const pools = "/apis/crd.projectcalico.org/v1/ippools";
const reachError = /^error: (verify|preflight) fixture: could not run: /;
const nodeList = (items: unknown) => json({ kind: "NodeList", apiVersion: "v1", metadata: {}, items });
const node = (fields: Record<string, unknown>) => ({ metadata: { name: "n1" }, ...fields });
const patched = (target: string, change: (object: any) => void) => (routes: Record<string, any>) => { change(routes[target]); };
const stopped = new RegExp(`stopped at the deadline: ${deadline}s`);
/**
 * The connection's own 5 s, or the run's deadline when less than 5 s of it is left by then (on a
 * loaded machine, loading and validating the stack can take seconds).
 */
const connectGaveUp = new RegExp(`cannot reach the Kubernetes API server http://127\\.0\\.0\\.1:\\d+ \\(context "test"\\): (no answer within \\d+(\\.\\d+)?s|${stopped.source} \\(multinet:verification\\.timeoutSeconds, or --timeout\\))$`);
/** `answer` takes over the first `GET <path>` only. */
const once = (path: string, answer: Answer): Hooks => {
  let used = false;
  return { answer: (line, request, response) => (!used && line === `GET ${path}` ? (used = true, answer(request, response), true) : false) };
};
const unread = (what: string, why: string) => new RegExp(`^FAIL +cluster/read +cannot read ${what}: ${why}`);

const corpus: Behaviour[] = [
  // The first request (/version): not a usable Kubernetes API ends the run, exit code 2.
  { name: "/version never answers", hooks: () => on("/version", hang), timeout: deadline, code: 2, line: connectGaveUp },
  { name: "/version drips one byte at a time", hooks: () => on("/version", drip), timeout: deadline, code: 2, line: connectGaveUp },
  { name: "/version: the connection is closed at once", hooks: () => on("/version", slam), code: 2, line: /cannot reach the Kubernetes API server .*: socket hang up$/ },
  { name: "/version: a login page (HTML 200)", hooks: () => on("/version", html()), code: 2, line: /kube context "test": the server at http:\/\/127\.0\.0\.1:\d+ answered GET \/version with HTML \(HTTP 200: "<!DOCTYPE html> <html><head><title>Sign in/ },
  { name: "/version: a proxy's error page (HTML 502)", hooks: () => on("/version", html(502)), code: 2, line: /answered GET \/version with HTML \(HTTP 502/ },
  { name: "/version redirects to another port", hooks: (trap) => on("/version", redirect(`${trap}/version`)), code: 2, line: /answered GET \/version with a redirect \(302\) to http:\/\/127\.0\.0\.1:\d+: not followed, and not the Kubernetes API$/ },
  { name: "/version redirects on the same server (307)", hooks: () => on("/version", redirect("/login", 307)), code: 2, line: /with a redirect \(307\) to http:\/\/127\.0\.0\.1:\d+: not followed/ },
  { name: "/version answers plain text", hooks: () => on("/version", body("hello", { "content-type": "text/plain" })), code: 2, line: /answered GET \/version with "hello", not JSON: not the Kubernetes API$/ },
  { name: "/version answers an empty body", hooks: () => on("/version", body("")), code: 2, line: /answered GET \/version with an empty body, not JSON/ },
  { name: "/version answers gzip the client never asked for", hooks: () => on("/version", body(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), { "content-type": "application/json", "content-encoding": "gzip" })), code: 2, line: /answered GET \/version with .*not JSON/ },
  { name: "/version: 404 (some other web server)", hooks: () => on("/version", body("404 page not found", { "content-type": "text/plain" }, 404)), code: 2, line: /it answered 404 on \/version: not a Kubernetes API server$/ },
  { name: "/version: 401", hooks: () => on("/version", json({ kind: "Status", code: 401, message: "Unauthorized" }, 401)), code: 2, line: /401 Unauthorized: the credentials of the context were rejected/ },
  { name: "/version: 500", hooks: () => on("/version", json({ kind: "Status", code: 500, message: "etcd is down" }, 500)), code: 2, line: /cannot reach the Kubernetes API server .*: HTTP 500: etcd is down$/ },
  { name: "/version: a header larger than Node reads", hooks: () => on("/version", body("{}", { "content-type": "application/json", "x-padding": "a".repeat(40_000) })), code: 2, line: /cannot reach the Kubernetes API server .*Header overflow/ },
  { name: "the server is not HTTP at all (an SSH greeting)", server: "ssh", code: 2, line: /cannot reach the Kubernetes API server .*Parse Error/ },
  { name: "TLS spoken to a plain-HTTP server", server: "tls-to-plain", code: 2, line: /cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:\d+ \(context "test"\): TLS failed: wrong version number \(EPROTO\)$/ },

  // The node list, which both commands read.
  // Every read in flight stops at the deadline; on a loaded machine another may be the one named.
  { name: "the node list never answers", hooks: () => on(nodes, hang), timeout: deadline, code: 1, line: unread(".+", stopped.source) },
  { name: "the node list drips", hooks: () => on(nodes, drip), timeout: deadline, code: 1, line: unread(".+", stopped.source) },
  { name: "the node list stops half-way", hooks: () => on(nodes, closeMidBody), code: 1, line: unread("the nodes", "the connection closed in the middle of the answer to GET /api/v1/nodes") },
  { name: "the node list: the connection is closed at once", hooks: () => on(nodes, slam), code: 1, line: unread("the nodes", "socket hang up") },
  { name: "the node list never ends (over the cap)", hooks: () => on(nodes, endless), code: 2, line: /cannot read the nodes: the answer to GET \/api\/v1\/nodes is larger than 2 MiB, the cap for one answer: not read further$/ },
  { name: "the node list is a login page", hooks: () => on(nodes, html()), code: 2, line: /cannot read the nodes: the server at http:\/\/127\.0\.0\.1:\d+ answered GET \/api\/v1\/nodes with HTML/ },
  { name: "the node list redirects to another port", hooks: (trap) => on(nodes, redirect(`${trap}${nodes}`, 301)), code: 2, line: /cannot read the nodes: .*with a redirect \(301\) to http:\/\/127\.0\.0\.1:\d+: not followed/ },
  { name: "the node list is throttled (429), always", hooks: () => on(nodes, json({ kind: "Status", code: 429, message: "too many requests" }, 429)), code: 1, line: unread("the nodes", "HTTP 429: too many requests") },
  { name: "the node list fails once (503), then answers", hooks: () => once(nodes, json({ kind: "Status", code: 503, message: "etcd leader changed" }, 503)), timeout: 30, code: 0, line: /^ ok {3}\S/ },
  { name: "a Status message with a newline, terminal escapes and a bidi override", hooks: () => on(nodes, json({ kind: "Status", code: 403, message: "denied\n\u001b[2J\u001b[31mFAIL  forged\u202e" }, 403)), code: 2, line: /cannot read the nodes: 403 Forbidden: denied \[2J \[31mFAIL {2}forged$/ },
  { name: "a Status message that is an object", hooks: () => on(nodes, json({ kind: "Status", code: 500, message: { text: "x" } }, 500)), code: 1, line: unread("the nodes", "HTTP 500$") },
  {
    name: "a node name with a newline that forges a line", hooks: () => on(nodes, nodeList([{ metadata: { name: "n1\n ok   forged/check  all good", labels: { "kubernetes.io/os": "linux" } }, spec: {} }])), code: 1,
    line: { verify: /^FAIL +multus\/rollout +.*no ready pod on n1 {2}ok {3}forged\/check {2}all good$/, preflight: /^FAIL +preflight\/node-podcidr +n1 {2}ok {3}forged\/check {2}all good has no IPv4 spec\.podCIDR/ },
  },
  { name: "the node list: 401", hooks: () => on(nodes, json({ kind: "Status", code: 401, message: "token expired" }, 401)), code: 2, line: /cannot read the nodes: 401 Unauthorized/ },
  { name: "the node list: items is a number", hooks: () => on(nodes, json({ kind: "NodeList", items: 5 })), code: 1, line: unread("the nodes", "the API server's answer is not a Node list") },
  { name: "the node list is a JSON string", hooks: () => on(nodes, json("nodes")), code: 1, line: unread("the nodes", "the API server's answer is not a Node list") },
  { name: "the node list is a JSON array", hooks: () => on(nodes, json([])), code: 1, line: unread("the nodes", "the API server's answer is not a Node list") },
  { name: "a node's metadata is a string", hooks: () => on(nodes, nodeList([{ metadata: "n1" }])), code: 1, line: unread("the nodes", "the API server's answer is not a Node list: items\\[0\\]\\.metadata: ") },
  { name: "a node's taints are an object", hooks: () => on(nodes, nodeList([node({ spec: { taints: {} } })])), code: 1, line: unread("the nodes", ".*items\\[0\\]\\.spec\\.taints: ") },
  { name: "a node's label value is a number", hooks: () => on(nodes, nodeList([{ metadata: { name: "n1", labels: { "kubernetes.io/os": 1 } } }])), code: 1, line: unread("the nodes", ".*items\\[0\\]\\.metadata\\.labels\\.kubernetes\\.io/os: ") },
  { name: "a node's podCIDRs are numbers", hooks: () => on(nodes, nodeList([node({ spec: { podCIDRs: [1, 2] } })])), code: 1, line: unread("the nodes", ".*items\\[0\\]\\.spec\\.podCIDRs\\[0\\]: .*\\(and 1 more problem\\)") },
  { name: "a node nested 100,000 levels deep", hooks: () => on(nodes, body(`{"items":[${'{"metadata":'.repeat(100_000)}{}${"}".repeat(100_000)}]}`)), code: 1, line: unread("the nodes", "the API server's answer is not a Node list: it is nested too deeply to read$") },
  { name: "a node list item is null", hooks: () => on(nodes, nodeList([null])), code: 1, line: unread("the nodes", ".*items\\[0\\]: ") },
  {
    name: "the node list is empty", hooks: () => on(nodes, nodeList([])), code: 1,
    line: { verify: /^FAIL +multus\/rollout +DaemonSet kube-system\/kube-multus-ds wants 3 pods, but the API server listed no nodes/, preflight: /^FAIL +preflight\/node-podcidr +the cluster has no nodes$/ },
  },
  {
    name: "the node list's items are null (read as none)", hooks: () => on(nodes, json({ kind: "NodeList", items: null })), code: 1,
    line: { verify: /^FAIL +multus\/rollout .*listed no nodes/, preflight: /^FAIL +preflight\/node-podcidr +the cluster has no nodes$/ },
  },
  {
    name: "no node is eligible (none has kubernetes.io/os=linux)",
    routes: patched(nodes, (list) => { for (const n of list.items) delete n.metadata.labels["kubernetes.io/os"]; }), code: 1,
    line: { verify: /^FAIL +multus\/rollout .*wants 3 pods, but no listed node is eligible for them/, preflight: /^FAIL +preflight\/node-podcidr +no node can run flanneld: / },
  },

  // What only the verification reads: DaemonSets and their pods, NADs, the sample pod, its exec stream.
  { name: "the Multus DaemonSet's status is a string", modes: ["verify"], routes: patched(multus, (ds) => { ds.status = "broken"; }), code: 1, line: unread("DaemonSet kube-system/kube-multus-ds", "the API server's answer is not a DaemonSet: status: ") },
  { name: "the Multus DaemonSet without spec and status (null)", modes: ["verify"], routes: patched(multus, (ds) => { ds.spec = null; ds.status = null; }), code: 1, line: /^FAIL +multus\/rollout +DaemonSet kube-system\/kube-multus-ds: the controller has not observed generation 1 yet \(observed none\)$/ },
  { name: "the Multus DaemonSet has no pods", modes: ["verify"], hooks: () => on("/api/v1/namespaces/kube-system/pods", json({ kind: "PodList", items: [] })), code: 1, line: /^FAIL +multus\/rollout +.*no ready pod on multinet-control-plane, multinet-worker, multinet-worker2$/ },
  { name: "a pod list item is null", modes: ["verify"], hooks: () => on("/api/v1/namespaces/kube-system/pods", json({ kind: "PodList", items: [null] })), code: 1, line: unread("the pods of DaemonSet kube-system/kube-multus-ds", "the API server's answer is not a Pod list: items\\[0\\]") },
  { name: "the sample pod's annotations hold a number", modes: ["verify"], routes: patched(samplePod, (pod) => { pod.metadata.annotations.extra = 5; }), code: 1, line: unread("pod default/multinet-sample", "the API server's answer is not a Pod: metadata\\.annotations\\.extra: ") },
  { name: "the sample pod's network-status is not JSON", modes: ["verify"], routes: patched(samplePod, (pod) => { pod.metadata.annotations["k8s.v1.cni.cncf.io/network-status"] = "[{"; }), code: 1, line: /^FAIL +pod\/network-status +k8s\.v1\.cni\.cncf\.io\/network-status is not JSON/ },
  { name: "the sample pod read fails with 500, always", modes: ["verify"], hooks: () => on(samplePod, json({ kind: "Status", code: 500, message: "internal error" }, 500)), code: 1, line: unread("pod default/multinet-sample", "HTTP 500: internal error") },
  { name: "a pending sample pod's events are a string", modes: ["verify"], routes: patched(samplePod, (pod) => { pod.status.phase = "Pending"; }), hooks: () => on("/api/v1/namespaces/default/events", json({ kind: "EventList", items: "none" })), code: 1, line: unread("the events of pod default/multinet-sample", "the API server's answer is not an Event list: items: ") },
  { name: "a NAD's spec.config is a number", modes: ["verify"], routes: patched(nad, (object) => { object.spec.config = 5; }), code: 1, line: /^FAIL +nad\/default\/flannel +default\/flannel has no spec\.config$/ },
  { name: "a NAD's spec is a string", modes: ["verify"], routes: patched(nad, (object) => { object.spec = "x"; }), code: 1, line: unread("NetworkAttachmentDefinition default/flannel", "the API server's answer is not a Kubernetes object: spec: ") },
  { name: "a NAD is JSON null", modes: ["verify"], hooks: () => on(nad, json(null)), code: 1, line: unread("NetworkAttachmentDefinition default/flannel", "the API server's answer is not a Kubernetes object") },
  { name: "exec: output that never ends (over the 1 MiB cap)", modes: ["verify"], hooks: () => onExec(execStream((socket) => { for (let i = 0; i < 20; i++) socket.write(stdoutFrame(Buffer.alloc(60_000, "x"))); socket.end(success); })), code: 1, line: /^FAIL +pod\/default-route +could not read the pod's \/proc\/net\/route: the output of `cat \/proc\/net\/route` in default\/multinet-sample is larger than 1 MiB, the cap: not read further$/ },
  { name: "exec: an exit status that is not JSON", modes: ["verify"], hooks: () => onExec(execStream((socket) => socket.end(statusFrame("{not json")))), code: 1, line: /^FAIL +pod\/default-route +could not read .*: `cat \/proc\/net\/route` in default\/multinet-sample: the API server's exit status is not a Status \("\{not json"\)$/ },
  { name: "exec: a channel the protocol does not have, then a good answer", modes: ["verify"], hooks: () => onExec(execStream((socket) => { socket.write(statusFrame("").subarray(0, 0)); socket.write(stdoutFrame("").fill(7, 2, 3)); socket.end(Buffer.concat([stdoutFrame("Iface\tDestination\n"), statusFrame('{"status":"Failure","message":"boom"}')])); })), code: 1, line: /^FAIL +pod\/default-route +could not read .*: `cat \/proc\/net\/route` in default\/multinet-sample: boom$/ },
  { name: "exec: the stream closes without an exit status", modes: ["verify"], hooks: () => onExec(execStream((socket) => socket.end(Buffer.concat([stdoutFrame("partial"), closeFrame])))), code: 1, line: /^FAIL +pod\/default-route +.*the API server closed the stream without an exit status$/ },
  { name: "exec: the stream never says anything", modes: ["verify"], hooks: () => onExec(execStream(() => undefined)), timeout: deadline, code: 1, line: new RegExp(`^FAIL +pod/default-route +could not read the pod.s /proc/net/route: ${stopped.source}`) },
  { name: "exec: refused (403)", modes: ["verify"], hooks: () => onExec(execReply("HTTP/1.1 403 Forbidden\r\ncontent-type: application/json", '{"kind":"Status","code":403}')), code: 1, line: /^FAIL +pod\/default-route +could not read .*: cannot exec `cat \/proc\/net\/route` in default\/multinet-sample: the API server answered HTTP 403 instead of opening the stream$/ },
  { name: "exec: answered with a page instead of a stream", modes: ["verify"], hooks: () => onExec(execReply("HTTP/1.1 200 OK\r\ncontent-type: text/html", "<html></html>")), code: 1, line: /^FAIL +pod\/default-route +could not read .*: cannot exec .*: the API server answered HTTP 200 instead of opening the stream$/ },
  { name: "exec: redirected to another port", modes: ["verify"], hooks: (trap) => onExec(execReply(`HTTP/1.1 302 Found\r\nlocation: ${trap}/exec`)), code: 1, line: /^FAIL +pod\/default-route +could not read .*: cannot exec .*: the API server answered with a redirect \(302\): not followed$/ },

  // What only the preflight reads: Calico's pools and install.
  { name: "no IPPool API although Calico is installed", modes: ["preflight"], routes: (routes) => { delete routes[pools]; }, code: 1, line: /^FAIL +preflight\/calico-pools +Calico is installed \(DaemonSet kube-system\/calico-node\) but neither IPPool API answers/ },
  { name: "the IPPool list's items are a string", modes: ["preflight"], hooks: () => on(pools, json({ items: "x" })), code: 1, line: unread("ippools\\.crd\\.projectcalico\\.org/v1", "the API server's answer is not a list of Kubernetes objects: items: ") },
  { name: "no IPPool exists yet", modes: ["preflight"], hooks: () => on(pools, json({ items: [] })), code: 0, line: /^skip +preflight\/calico-pools +no Calico IPPool exists \(crd\.projectcalico\.org\/v1\): nothing to compare/ },
  { name: "an IPPool's cidr is a number", modes: ["preflight"], hooks: () => on(pools, json({ items: [{ metadata: { name: "p" }, spec: { cidr: 5 } }] })), code: 1, line: /^FAIL +preflight\/calico-pools +p has no valid spec\.cidr$/ },
  { name: "the Installation list is forbidden (403)", modes: ["preflight"], hooks: () => on("/apis/operator.tigera.io/v1/installations", json({ kind: "Status", code: 403, message: "installations is forbidden" }, 403)), code: 2, line: /cannot read installations\.operator\.tigera\.io\/v1: 403 Forbidden: installations is forbidden$/ },
  { name: "the calico-node DaemonSet is a login page", modes: ["preflight"], hooks: () => on("/apis/apps/v1/namespaces/kube-system/daemonsets/calico-node", html()), code: 2, line: /cannot read DaemonSet kube-system\/calico-node: the server at .* with HTML/ },
];

const dir = mkdtempSync(path.join(tmpdir(), "multinet-hostile-"));
let trap: Server;
let trapUrl = "";
/** Requests the redirect target got: a redirect followed would show up here (with credentials). */
const trapped: string[] = [];
const outcomes = new Map<string, Outcome>();

async function run(behaviour: Behaviour, mode: Mode): Promise<Outcome> {
  const args = ["--timeout", String(behaviour.timeout ?? 0), ...(mode === "preflight" ? ["--preflight"] : [])];
  if (behaviour.server) {
    const raw = await startRawServer(behaviour.server === "ssh" ? "SSH-2.0-OpenSSH_9.6\r\n" : "HTTP/1.1 400 Bad Request\r\n\r\n");
    try {
      const url = behaviour.server === "ssh" ? raw.url : raw.url.replace("http:", "https:");
      return await verifyInProcess(["--config", "test/fixtures/verify/Pulumi.fixture.yaml", ...args], { KUBECONFIG: kubeconfig(dir, `${behaviour.server}-${mode}`, url) });
    } finally {
      await raw.close();
    }
  }
  const routes = clusterRoutes();
  behaviour.routes?.(routes);
  // A 2 MiB cap (MULTINET_MAX_RESPONSE_BYTES) so the endless answer costs little.
  return against(dir, routes, args, { env: { MULTINET_MAX_RESPONSE_BYTES: String(2 * 1024 * 1024) }, ...(behaviour.hooks ? { hooks: behaviour.hooks(trapUrl) } : {}) });
}

beforeAll(async () => {
  trap = createServer((request, response) => {
    trapped.push(`${request.method} ${request.url} ${request.headers.authorization ?? ""}`);
    response.end("{}");
  });
  await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  trapUrl = `http://127.0.0.1:${(trap.address() as { port: number }).port}`;
  // The waiting ones first; a few runs at a time, so no run's deadline is eaten by the others'
  // work in this one event loop (each loads and validates the stack, as the command does).
  const runs = corpus.flatMap((behaviour) => (behaviour.modes ?? ["verify", "preflight"]).map((mode) => ({ behaviour, mode })))
    .sort((a, b) => (b.behaviour.timeout ?? 0) - (a.behaviour.timeout ?? 0));
  const next = async (): Promise<void> => {
    for (let item = runs.shift(); item; item = runs.shift()) outcomes.set(`${item.mode}: ${item.behaviour.name}`, await run(item.behaviour, item.mode));
  };
  await Promise.all(Array.from({ length: concurrentRuns }, next));
}, 180_000);

afterAll(() => new Promise<void>((resolve) => {
  rmSync(dir, { recursive: true, force: true });
  trap.close(() => resolve());
}));

describe("the hostile corpus", () => {
  it("has at least 40 behaviours, each named once", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((b) => b.name)).size).toBe(corpus.length);
  });

  for (const behaviour of corpus) {
    it(`${behaviour.name}: exit ${behaviour.code}`, () => {
      for (const mode of behaviour.modes ?? ["verify", "preflight"]) {
        const outcome = outcomes.get(`${mode}: ${behaviour.name}`)!;
        const line = behaviour.line instanceof RegExp ? behaviour.line : behaviour.line[mode];
        const expected = { code: behaviour.code, line: behaviour.code === 2 ? new RegExp(`${reachError.source}.*${line.source}`) : line };
        expect(verdictProblem(outcome, expected, (behaviour.timeout || lookOnceSeconds) + 4), `${mode}\n${outcome.stdout}${outcome.stderr}`).toBeUndefined();
      }
    });
  }

  it("prints no JavaScript error text or stack trace for any behaviour, in either command", () => {
    expect(outcomes.size).toBe(corpus.reduce((n, b) => n + (b.modes ?? ["verify", "preflight"]).length, 0));
    const leaks = [...outcomes].filter(([, o]) => javascriptErrorText.test(`${o.stdout}${o.stderr}`)).map(([name]) => name);
    expect(leaks).toEqual([]);
  });

  it("never followed a redirect: the other port got no request, so no credential", () => {
    expect(trapped).toEqual([]);
  });
});
