/**
 * What the verifier reads from the cluster: the shape of a snapshot (API objects, the text of the
 * sample pod's /proc/net/route, the ping's outcome) and, for a stack, which objects to read. The
 * targets come from the same builders the deploy uses (lib/build/), so the shell and the judging
 * never disagree on a name.
 */
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { StackConfig } from "../config";
import { cniPluginsDaemonSet } from "../build/cniPlugins";
import { flannelObjects } from "../build/flannel";
import { multusObjects } from "../build/multus";
import { networkAttachmentDefinition } from "../build/networks";
import { samplePod as samplePodObject } from "../build/samplePod";

/** A DaemonSet as read from the cluster, with the pods it owns. */
export interface DaemonSetState {
  daemonSet?: IDaemonSet;
  /** Its pods; omit to judge from the DaemonSet's status alone. */
  pods?: IPod[];
}

/** Any object read through the API (NADs, the Tigera Installation, IPPools). */
export interface ApiObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}

/** whereabouts (its DaemonSet, reconciler and the sample pod's pools by name) and the policy enforcer, as read. */
export interface AddonsSnapshot {
  whereabouts?: { daemonSet: DaemonSetState; reconciler?: IDeployment; pools: Record<string, ApiObject | undefined> };
  multiNetworkPolicy?: DaemonSetState;
}

export interface SamplePodState {
  /** Undefined when the pod does not exist. */
  pod?: IPod;
  /** Messages of the pod's Warning events, oldest first (a failed sandbox says why here). */
  warnings?: string[];
  /** `cat /proc/net/route` inside the pod, or why it could not be read. */
  procNetRoute?: string | { error: string };
}

export interface VerifySnapshot {
  nodes: INode[];
  multus: DaemonSetState;
  /** Present when the stack deploys Flannel. */
  flannel?: DaemonSetState;
  /** Present when the stack installs the CNI plugins. */
  cniPlugins?: DaemonSetState;
  calico: {
    /** calico-node: the stack's DaemonSet (manifest) or calico-system/calico-node (operator). */
    daemonSet?: IDaemonSet;
    /** The Installation (operator mode). */
    installation?: ApiObject;
  };
  /** Every NAD of the stack by `namespace/name`; undefined when it does not exist. */
  nads: Record<string, ApiObject | undefined>;
  /** Present when the stack has a sample pod. */
  samplePod?: SamplePodState;
  /** Present when the ping was asked for. */
  ping?: PingObservation;
  /** whereabouts and the MultiNetworkPolicy enforcer, when the stack deploys them. */
  addons?: AddonsSnapshot;
}

/** Where calico-node runs when the Tigera operator manages it. */
export const operatorCalicoNode = { namespace: "calico-system", name: "calico-node" } as const;

/** The API objects the verifier reads for a stack: one place for the shell and the tests. */
export function verifyTargets(config: StackConfig) {
  const multus = multusObjects(config.multus).daemonSet.metadata;
  const flannel = config.flannel.enabled ? flannelObjects(config.flannel).daemonSet.metadata : undefined;
  const cniPlugins = config.cniPlugins.enabled ? cniPluginsDaemonSet(config.cniPlugins).metadata : undefined;
  const calicoDaemonSet = config.calico.mode === "operator"
    ? operatorCalicoNode
    : config.calico.mode === "manifest" ? { namespace: config.calico.namespace, name: config.calico.daemonSetName } : undefined;
  const pod = samplePodObject(config.samplePod, []);
  return {
    multus: { namespace: multus.namespace, name: multus.name },
    flannel: flannel ? { namespace: flannel.namespace, name: flannel.name } : undefined,
    cniPlugins: cniPlugins ? { namespace: cniPlugins.namespace, name: cniPlugins.name } : undefined,
    calicoDaemonSet,
    installation: config.calico.mode === "operator" ? config.calico.installationName : undefined,
    nads: config.networks.map((network) => networkAttachmentDefinition(network).metadata),
    samplePod: config.samplePod.enabled
      ? { namespace: pod.metadata.namespace, name: pod.metadata.name, container: pod.spec!.containers[0].name }
      : undefined,
  };
}

export interface PingResult {
  exitCode: number;
  output: string;
}


/** One attachment's ping from the peer pod. */
export interface PingAttempt {
  ifname: string;
  /** The sample pod's address on `ifname`. */
  target: string;
  /** The peer's own address on `ifname`, from its network-status. */
  peerAddress?: string;
  /** Why the ping was not sent: the peer's address on `ifname` would make a reply prove nothing. */
  problem?: string;
  result?: PingResult;
}

/** `cleanup`: why the peer pod could not be deleted (a note; it stops itself by its deadline). */
export type PingObservation =
  | { skipped: string }
  | { error: string; cleanup?: string }
  | { peer: string; peerNode: string; samplePodNode: string; results: PingAttempt[]; cleanup?: string };
