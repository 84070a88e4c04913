#!/usr/bin/env bash
# Gathers what explains a failed e2e run into one directory (uploaded as an artifact by
# .github/workflows/e2e.yml): kind's own export, cluster state, the logs of the network daemons and
# each node's interfaces and routes. Best effort: a missing piece must not hide the others.
set -uo pipefail

out=${1:?usage: kind/collect-logs.sh <directory>}
CLUSTER_NAME=${CLUSTER_NAME:-multinet}
mkdir -p "$out"

kind export logs "$out/kind" --name "$CLUSTER_NAME" >/dev/null 2>&1 || echo "kind export logs failed" >>"$out/errors.txt"

kubectl get nodes,pods,daemonsets -A -o wide >"$out/resources.txt" 2>&1
kubectl get network-attachment-definitions -A -o yaml >"$out/nads.yaml" 2>&1
kubectl get events -A --sort-by=.lastTimestamp >"$out/events.txt" 2>&1
kubectl describe pods -A >"$out/pods-describe.txt" 2>&1
# Every pod of the network daemons, each line prefixed with its pod and container.
for target in "kube-system name=multus" "kube-flannel app=flannel" "kube-system k8s-app=calico-node"; do
  read -r namespace selector <<<"$target"
  kubectl -n "$namespace" logs -l "$selector" --all-containers --prefix --tail=-1 --max-log-requests=20 \
    >"$out/logs-${selector#*=}.txt" 2>&1
done

for node in $(kind get nodes --name "$CLUSTER_NAME" 2>/dev/null); do
  {
    docker exec "$node" ip -details address
    docker exec "$node" ip route
    docker exec "$node" ls -l /etc/cni/net.d /opt/cni/bin
  } >"$out/node-$node.txt" 2>&1
done
echo "logs in $out"
