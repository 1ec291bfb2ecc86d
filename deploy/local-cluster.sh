#!/usr/bin/env bash
# Runs a local Gatehouse cluster: one manager (embedded file store, demo certificate) and two
# nodes on loopback. Mail for example.com sent to node1 is relayed to node2, which delivers it
# to a sample mailbox (an mbox file). State lives in .local-cluster/; run again to restart the
# same cluster (remove the folder to start afresh). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

state="${GATEHOUSE_LOCAL_DIR:-$PWD/.local-cluster}"
listen="${GATEHOUSE_MANAGER_URL:-https://127.0.0.1:9443}"
nodes=(node1 node2)

echo "Building…"
dotnet build cluster.sln -c Release -nologo -v quiet
bin_manager="src/ClusterManager/bin/Release/net10.0/gatehouse-manager.dll"
bin_node="src/Node/bin/Release/net10.0/gatehouse-node.dll"
bin_mailbox="deploy/sample-mailbox/bin/Release/net10.0/sample-mailbox.dll"
mailbox_at="127.0.0.4:2526"
manager() { dotnet "$bin_manager" "$@"; }
node() { dotnet "$bin_node" "$@"; }

mkdir -p "$state/logs"
pids=()
stop() {
  echo "Stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap "exit 130" INT TERM

# Started directly (not through the helper functions) so that $! is the process itself.
dotnet "$bin_mailbox" "$mailbox_at" "$state/mailbox.mbox" >"$state/logs/mailbox.log" 2>&1 &
pids+=($!)
dotnet "$bin_manager" serve --data-dir "$state/manager" --listen "$listen" >"$state/logs/manager.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  manager nodes list --data-dir "$state/manager" >/dev/null 2>&1 && break
  sleep 0.2
done
manager nodes list --data-dir "$state/manager" >/dev/null || { cat "$state/logs/manager.log"; exit 1; }

# A GUI administrator with a random password, made once.
if [ -z "$(manager users list --data-dir "$state/manager")" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$state/gui-admin.password")
  manager users add admin --password-file "$state/gui-admin.password" --data-dir "$state/manager" >/dev/null
fi

# node1 relays example.com to node2; node2 delivers it to the sample mailbox.
next_hop=(127.0.0.3:2525 "$mailbox_at")
octet=2
index=0
for name in "${nodes[@]}"; do
  if [ ! -f "$state/$name/node.json" ]; then
    (umask 077; manager token create --data-dir "$state/manager" | tail -n 1 >"$state/$name.token")
    node join --manager "$listen" --token-file "$state/$name.token" --name "$name" --data-dir "$state/$name"
    rm -f "$state/$name.token"
    # Each node gets its own loopback address as its machine-level interface.
    cat >"$state/$name-machine.yaml" <<YAML
hostname: $name.gatehouse.local
ip_interfaces:
  - {name: Data1, address: 127.0.0.$octet, hostname: $name.gatehouse.local}
listeners:
  - name: IncomingMail
    type: public
    interface: Data1
    port: 2525
    certificate: demo
    host_access_table: [WHITELIST, BLACKLIST, SUSPECTLIST, UNKNOWNLIST]
    default_policy: ACCEPTED
    recipient_access_table: [{recipient: example.com, action: accept}]
smtp_routes:
  - {domain: example.com, hosts: [{host: ${next_hop[$index]%:*}, port: ${next_hop[$index]#*:}}]}
YAML
    manager loadconfig "$state/$name-machine.yaml" --machine "$name" --data-dir "$state/manager" >/dev/null
  fi
  octet=$((octet + 1))
  index=$((index + 1))
  dotnet "$bin_node" run --data-dir "$state/$name" >"$state/logs/$name.log" 2>&1 &
  pids+=($!)
done

if manager showchanges --data-dir "$state/manager" | grep -q "^Pending"; then
  manager commit --comment "local cluster: node interfaces" --data-dir "$state/manager" >/dev/null
fi

for _ in $(seq 1 100); do
  manager nodes list --data-dir "$state/manager" | grep -c " connected " | grep -qx "${#nodes[@]}" && break
  sleep 0.2
done

cat <<MSG

Gatehouse local cluster is running (logs in $state/logs).

$(manager nodes list --data-dir "$state/manager")

GUI: $listen (user admin, password in $state/gui-admin.password; the browser will
ask you to accept the cluster CA's certificate, $state/manager/ca/ca.crt)

Try, in another terminal:
  dotnet $bin_manager showconfig --data-dir $state/manager
  dotnet $bin_manager showconfig --machine node1 --effective --data-dir $state/manager
  dotnet $bin_node status --data-dir $state/node1
  swaks --server 127.0.0.2:2525 --to user@example.com --tls      # mail into node1: relayed by node2 into the mailbox
  cat $state/mailbox.mbox                                         # ...where it arrives within seconds
  tail $state/node1/logs/mail.current $state/node2/logs/mail.current

Press Ctrl-C to stop.
MSG
wait
