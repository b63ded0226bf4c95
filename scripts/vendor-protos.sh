#!/usr/bin/env bash
# Re-vendors the third-party protos our APIs import into third_party/proto.
# The buf registry is unreachable here, so the files come from registries we can reach:
#   - google/api/*            npm package google-proto-files (googleapis)
#   - protoc-gen-openapiv2/*  Go module github.com/grpc-ecosystem/grpc-gateway/v2
#   - buf/validate/*          Go module github.com/bufbuild/protovalidate
# Versions are pinned below; bump them here and re-run `make vendor-protos`.
set -euo pipefail

GOOGLE_PROTO_FILES_VERSION=6.0.1
GRPC_GATEWAY_VERSION=v2.33.0
PROTOVALIDATE_VERSION=v1.2.2

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/third_party/proto"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

moddir() {
	(cd "$work" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$1@$2") |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

rm -rf "$dest"
mkdir -p "$dest/google/api" "$dest/protoc-gen-openapiv2/options" "$dest/buf/validate"

(cd "$work" && npm pack --silent "google-proto-files@$GOOGLE_PROTO_FILES_VERSION" >/dev/null && tar -xzf google-proto-files-*.tgz)
for f in annotations http field_behavior httpbody; do
	cp "$work/package/google/api/$f.proto" "$dest/google/api/"
done
cp "$work/package/LICENSE" "$dest/google/LICENSE"

gw=$(moddir github.com/grpc-ecosystem/grpc-gateway/v2 "$GRPC_GATEWAY_VERSION")
cp "$gw/protoc-gen-openapiv2/options/annotations.proto" "$gw/protoc-gen-openapiv2/options/openapiv2.proto" \
	"$dest/protoc-gen-openapiv2/options/"
cp "$gw/LICENSE" "$dest/protoc-gen-openapiv2/LICENSE"

pv=$(moddir github.com/bufbuild/protovalidate "$PROTOVALIDATE_VERSION")
cp "$pv/proto/protovalidate/buf/validate/validate.proto" "$dest/buf/validate/"
cp "$pv/LICENSE" "$dest/buf/LICENSE"

chmod -R u+w "$dest"
cat >"$dest/README.md" <<MD
# Vendored third-party protos

Written by \`scripts/vendor-protos.sh\` (\`make vendor-protos\`); do not edit by hand.

| path | source | version | licence |
| --- | --- | --- | --- |
| google/api | npm google-proto-files | $GOOGLE_PROTO_FILES_VERSION | google/LICENSE (Apache-2.0) |
| protoc-gen-openapiv2/options | github.com/grpc-ecosystem/grpc-gateway/v2 | $GRPC_GATEWAY_VERSION | protoc-gen-openapiv2/LICENSE (BSD-3-Clause) |
| buf/validate | github.com/bufbuild/protovalidate | $PROTOVALIDATE_VERSION | buf/LICENSE (Apache-2.0) |
MD
echo "vendored into $dest"
