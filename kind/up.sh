#!/usr/bin/env bash
# Creates the e2e kind cluster: kind/cluster.yaml (no default CNI), a second Docker network attached
# to every node as eth1, the MultiNetworkPolicy enforcer's image built from its pinned commit, and
# Calico from its pinned manifest, pinned to eth0 with its own pool. The
# reference CNI plugins multinet's NADs delegate to come from the kind stack's multinet:cniPlugins
# installer. Used by .github/workflows/e2e.yml; runs locally the same way (needs docker, kind,
# kubectl, curl):
#
#   CALICO_MANIFEST_URL=https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/calico.yaml \
#   MNP_IPTABLES_COMMIT=cbf2b11730b9fb0477d8d578129609df0c51f06b kind/up.sh
set -euo pipefail
cd "$(dirname "$0")/.."

: "${CALICO_MANIFEST_URL:?set CALICO_MANIFEST_URL to a versioned Calico calico.yaml}"
: "${MNP_IPTABLES_COMMIT:?set MNP_IPTABLES_COMMIT to the multi-networkpolicy-iptables commit of lib/config/versions.ts}"
CLUSTER_NAME=${CLUSTER_NAME:-multinet}
SECOND_NETWORK=${SECOND_NETWORK:-multinet-eth1}
# Outside kind's network, the Flannel network (podSubnet) and Calico's pool.
SECOND_SUBNET=${SECOND_SUBNET:-10.210.0.0/24}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "::group::kind cluster $CLUSTER_NAME"
# Nodes stay NotReady until Calico is installed, so do not wait for them here.
kind create cluster --name "$CLUSTER_NAME" --config kind/cluster.yaml --wait 0s
mapfile -t nodes < <(kind get nodes --name "$CLUSTER_NAME")
echo "::endgroup::"

echo "::group::second network $SECOND_NETWORK ($SECOND_SUBNET) as eth1"
docker network inspect "$SECOND_NETWORK" >/dev/null 2>&1 \
  || docker network create --driver bridge --subnet "$SECOND_SUBNET" "$SECOND_NETWORK"
for node in "${nodes[@]}"; do
  docker network connect "$SECOND_NETWORK" "$node"
  # Docker names the interface; Flannel's --iface=eth1 relies on it being eth1.
  docker exec "$node" ip -4 -brief address show dev eth1
done
echo "::endgroup::"

echo "::group::multi-networkpolicy-iptables at $MNP_IPTABLES_COMMIT"
# Upstream publishes only floating tags; stacks/Pulumi.kind.yaml names this build by its commit.
enforcer=localhost/multinet/multi-networkpolicy-iptables:${MNP_IPTABLES_COMMIT:0:8}
docker build -t "$enforcer" "https://github.com/k8snetworkplumbingwg/multi-networkpolicy-iptables.git#$MNP_IPTABLES_COMMIT"
kind load docker-image "$enforcer" --name "$CLUSTER_NAME"
echo "::endgroup::"

echo "::group::Calico from $CALICO_MANIFEST_URL"
mkdir "$work/calico"
curl -fsSL --retry 3 -o "$work/calico/calico.yaml" "$CALICO_MANIFEST_URL"
cp kind/calico/kustomization.yaml kind/calico/calico-node.yaml "$work/calico/"
# Server-side: Calico's CRDs are too large for client-side apply's last-applied annotation.
kubectl apply --server-side --field-manager=kind-e2e -k "$work/calico"
kubectl -n kube-system rollout status daemonset/calico-node --timeout=5m
kubectl wait --for=condition=Ready nodes --all --timeout=5m
echo "::endgroup::"

kubectl get nodes -o wide
