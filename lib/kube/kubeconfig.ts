/**
 * The kubeconfig, read the way kubectl reads it, and its user's credential: an exec credential
 * plugin is run here (lib/kube/credentials.ts) and its answer put in its place, so client-node
 * never runs it.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { KubeConfig, type User } from "@kubernetes/client-node";
import { CredentialError, runCredentialPlugin, type ExecPlugin } from "./credentials";
import type { RunDeadline } from "./deadline";
import { KubeError } from "./errors";

/** Where the kubeconfig comes from, in the words kubectl users know, and how to load it (kubectl's order). */
export function kubeconfigSource(env: NodeJS.ProcessEnv): { source: string; load: (kc: KubeConfig) => void } | undefined {
  if (env.KUBECONFIG) {
    const [first, ...more] = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    return {
      source: `KUBECONFIG=${env.KUBECONFIG}`,
      load: (kc) => {
        kc.loadFromFile(first);
        for (const file of more) {
          const next = new KubeConfig();
          next.loadFromFile(file);
          kc.mergeConfig(next);
        }
      },
    };
  }
  const file = path.join(env.HOME ?? homedir(), ".kube", "config");
  if (existsSync(file)) return { source: file, load: (kc) => kc.loadFromFile(file) };
  if (env.KUBERNETES_SERVICE_HOST) return { source: "the in-cluster service account", load: (kc) => kc.loadFromCluster() };
  return undefined;
}

/**
 * client-node's in-tree gcp and azure auth providers run their command with execSync
 * (@kubernetes/client-node 1.4.0 dist/gcp_auth.js, dist/azure_auth.js), which blocks the whole
 * process where no deadline can cut it off; kubectl and client-go dropped both in Kubernetes 1.26
 * (kubernetes/kubernetes#112341, release note "The gcp and azure auth plugins have been removed").
 */
const blockingAuthProviders = new Set(["gcp", "azure"]);

/** Runs the current user's credential plugin, if it has one, and puts its credential in the kubeconfig in its place. */
export async function resolveCredentialPlugin(kc: KubeConfig, context: string, options: { env: NodeJS.ProcessEnv; timeoutMs: number; deadline: RunDeadline }): Promise<void> {
  const user = kc.getCurrentUser();
  if (!user) return;
  const provider = user.authProvider as { name?: string; config?: { exec?: ExecPlugin } } | undefined;
  if (provider?.name && blockingAuthProviders.has(provider.name)) {
    throw new KubeError(`kube context "${context}" uses the ${provider.name} auth-provider, which kubectl removed in 1.26 and multinet does not run: use its exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin)`);
  }
  const plugin = (user.exec ?? provider?.config?.exec) as ExecPlugin | undefined;
  if (!plugin) return;
  let credential;
  try {
    credential = await runCredentialPlugin(plugin, { env: options.env, timeoutMs: options.timeoutMs, signal: options.deadline.signal });
  } catch (error) {
    if (error instanceof CredentialError) throw new KubeError(`kube context "${context}": ${error.message}`);
    throw error;
  }
  const resolved: User = {
    name: user.name,
    ...(credential.token ? { token: credential.token } : {}),
    // client-node reads certData/keyData as base64 (bufferFromFileOrString); the plugin gives PEM.
    ...(credential.clientCertificateData ? { certData: Buffer.from(credential.clientCertificateData).toString("base64") } : {}),
    ...(credential.clientKeyData ? { keyData: Buffer.from(credential.clientKeyData).toString("base64") } : {}),
  };
  kc.loadFromOptions({
    clusters: kc.clusters, contexts: kc.contexts, currentContext: kc.currentContext,
    users: kc.users.map((u) => (u.name === user.name ? resolved : u)),
  });
}

