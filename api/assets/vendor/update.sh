#!/usr/bin/env bash
# Refreshes the third-party browser files the API binary serves under /assets/vendor/, from the
# npm registry at the pinned versions below, so the dashboard and the explorer load nothing from
# another host. Run by hand after changing a version; commit the result.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=3.9.0
REACT=18.3.1
ECHARTS=6.1.0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" "echarts@$ECHARTS" >/dev/null)
unpack() { mkdir -p "$work/$1" && tar xzf "$work/$2" -C "$work/$1"; }
unpack graphiql "graphiql-$GRAPHIQL.tgz"
unpack react "react-$REACT.tgz"
unpack react-dom "react-dom-$REACT.tgz"
unpack echarts "echarts-$ECHARTS.tgz"

# Source maps are not shipped, so their references are dropped (a browser's developer tools
# would otherwise ask for a file that is not there).
strip_map() { sed -e 's|//# sourceMappingURL=.*$||' "$1" >"$2"; }
strip_map "$work/graphiql/package/graphiql.min.js" graphiql.min.js
cp "$work/graphiql/package/graphiql.min.css" graphiql.min.css
strip_map "$work/react/package/umd/react.production.min.js" react.production.min.js
strip_map "$work/react-dom/package/umd/react-dom.production.min.js" react-dom.production.min.js
strip_map "$work/echarts/package/dist/echarts.min.js" echarts.min.js
cp "$work/graphiql/package/LICENSE" LICENSE.graphiql
cp "$work/react/package/LICENSE" LICENSE.react
cp "$work/echarts/package/LICENSE" LICENSE.echarts
sha256sum ./*.js ./*.css
