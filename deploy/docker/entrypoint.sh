#!/bin/sh
# The container's process: the manager serves; a node joins once (GATEHOUSE_MANAGER_URL,
# GATEHOUSE_JOIN_TOKEN_FILE, GATEHOUSE_NODE_NAME) and then runs. Extra arguments are passed on.
set -eu
data="/var/lib/gatehouse/$GATEHOUSE_APP"
case "$GATEHOUSE_APP" in
manager)
    exec gatehouse-manager serve --data-dir "$data" "$@"
    ;;
node)
    if [ ! -f "$data/node.json" ]; then
        gatehouse-node join --manager "$GATEHOUSE_MANAGER_URL" --token-file "$GATEHOUSE_JOIN_TOKEN_FILE" \
            --name "$GATEHOUSE_NODE_NAME" --data-dir "$data"
    fi
    exec gatehouse-node run --data-dir "$data" "$@"
    ;;
esac
echo "GATEHOUSE_APP must be manager or node" >&2
exit 2
