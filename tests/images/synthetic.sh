#!/bin/bash
# Builds one synthetic single-layer image for import benchmarks: SIZE_MB of files (256 KiB
# each, half random bytes, half copies of busybox so that gzip has something to compress), in
# 20 directories. Writes OUT_DIR/synthetic-oci-gzip.tar (cube-test/synthetic:1, gzip layer) and
# OUT_DIR/synthetic-docker.tar (the same image, uncompressed layer, docker save layout).
# Usage: tests/images/synthetic.sh OUT_DIR [SIZE_MB]
set -euo pipefail
OUT=${1:?usage: synthetic.sh OUT_DIR [SIZE_MB]}
SIZE_MB=${2:-100}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cube-synthetic.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"
head -c 262144 /bin/busybox >"$WORK/text"
for i in $(seq 0 $((SIZE_MB * 4 - 1))); do
  d="$ROOT/d$((i % 20))"
  mkdir -p "$d"
  if [ $((i % 2)) -eq 0 ]; then head -c 262144 /dev/urandom >"$d/f$i"; else cp "$WORK/text" "$d/f$i"; fi
done
tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -C "$ROOT" -cf "$WORK/layer.tar" .
gzip -n -1 -c "$WORK/layer.tar" >"$WORK/layer.tar.gz"
DIFF=$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)
GZ=$(sha256sum "$WORK/layer.tar.gz" | cut -d' ' -f1)
printf '{"architecture":"amd64","config":{"Cmd":["sh"]},"os":"linux","rootfs":{"diff_ids":["sha256:%s"],"type":"layers"}}' "$DIFF" >"$WORK/config"
CFG=$(sha256sum "$WORK/config" | cut -d' ' -f1)
printf '{"config":{"digest":"sha256:%s","mediaType":"application/vnd.oci.image.config.v1+json","size":%s},"layers":[{"digest":"sha256:%s","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":%s}],"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}' \
  "$CFG" "$(stat -c %s "$WORK/config")" "$GZ" "$(stat -c %s "$WORK/layer.tar.gz")" >"$WORK/manifest"
MAN=$(sha256sum "$WORK/manifest" | cut -d' ' -f1)

L="$WORK/oci"
mkdir -p "$L/blobs/sha256"
cp "$WORK/config" "$L/blobs/sha256/$CFG"
cp "$WORK/manifest" "$L/blobs/sha256/$MAN"
mv "$WORK/layer.tar.gz" "$L/blobs/sha256/$GZ"
printf '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
printf '{"manifests":[{"annotations":{"io.containerd.image.name":"docker.io/cube-test/synthetic:1"},"digest":"sha256:%s","mediaType":"application/vnd.oci.image.manifest.v1+json","size":%s}],"schemaVersion":2}' \
  "$MAN" "$(stat -c %s "$WORK/manifest")" >"$L/index.json"
tar -C "$L" -cf "$OUT/synthetic-oci-gzip.tar" oci-layout index.json blobs

D="$WORK/docker"
mkdir -p "$D/layer"
cp "$WORK/config" "$D/$CFG.json"
mv "$WORK/layer.tar" "$D/layer/layer.tar"
printf '[{"Config":"%s.json","RepoTags":["cube-test/synthetic:1"],"Layers":["layer/layer.tar"]}]' "$CFG" >"$D/manifest.json"
tar -C "$D" -cf "$OUT/synthetic-docker.tar" .
ls -l "$OUT"/synthetic-*.tar | awk '{print $5, $9}'
