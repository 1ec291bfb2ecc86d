#!/usr/bin/env bash
# Builds the Debian packages gatehouse-manager and gatehouse-node: a self-contained publish of
# each executable (no .NET on the target) in /usr/lib/gatehouse/APP with a link in /usr/bin, a
# systemd unit, options in /etc/gatehouse/APP.env (a conffile), data in /var/lib/gatehouse/APP
# owned by the gatehouse system user.
# Usage: deploy/debian/build-packages.sh [OUT_DIR]   (default artifacts/packages; GATEHOUSE_VERSION defaults to Directory.Build.props' <Version>)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
out="$(mkdir -p "${1:-artifacts/packages}" && cd "${1:-artifacts/packages}" && pwd)"
version="${GATEHOUSE_VERSION:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)}"

for app in manager node; do
    case "$app" in
        manager) project=src/ClusterManager; title="cluster manager" ;;
        node) project=src/Node; title="gateway node" ;;
    esac
    stage="$(mktemp -d)"
    trap 'rm -rf "$stage"' EXIT
    dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:DebugType=none -p:Version="$version" -nologo -v quiet \
        -o "$stage/usr/lib/gatehouse/$app"
    install -d "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/gatehouse" "$stage/usr/share/doc/gatehouse-$app" "$stage/DEBIAN"
    ln -s "../lib/gatehouse/$app/gatehouse-$app" "$stage/usr/bin/gatehouse-$app"
    install -m 0644 "$here/gatehouse-$app.service" "$stage/lib/systemd/system/"
    install -m 0640 "$here/$app.env" "$stage/etc/gatehouse/$app.env"
    install -m 0644 README.md "$stage/usr/share/doc/gatehouse-$app/README.md"
    echo "/etc/gatehouse/$app.env" >"$stage/DEBIAN/conffiles"
    size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
    sed -e "s/@APP@/$app/g" -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s/@TITLE@/$title/" "$here/control.in" >"$stage/DEBIAN/control"
    for script in postinst prerm postrm; do
        sed "s/@APP@/$app/g" "$here/$script.in" >"$stage/DEBIAN/$script"
        chmod 0755 "$stage/DEBIAN/$script"
    done
    dpkg-deb --root-owner-group -Zxz --build "$stage" "$out/gatehouse-${app}_${version}_amd64.deb" >/dev/null
    rm -rf "$stage"
    trap - EXIT
    echo "$out/gatehouse-${app}_${version}_amd64.deb"
done
