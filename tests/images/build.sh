#!/bin/bash
# Builds small test image archives from Debian's busybox-static, with plain tools (no docker,
# no network). Usage: tests/images/build.sh OUT_DIR
#
#   busybox-oci.tar       cube-test/busybox:1, OCI image layout, one gzip layer; Cmd ["sh"]
#   busybox-docker.tar    the same image as `docker save` writes it (uncompressed layer.tar),
#                         tagged cube-test/busybox:1 and cube-test/busybox:latest
#   http-echo-oci.tar     cube-test/http-echo:1: busybox layer + a layer with busybox httpd's
#                         /www/cgi-bin/index.cgi answering "Welcome! <hostname>" on port 8080
#                         and a small curl (GET through wget) for the seeds' exec commands
#   whiteout-oci.tar      cube-test/whiteout:1: layer 1 has /etc/removed and /data/old/{a,b};
#                         layer 2 (zstd) deletes /etc/removed (whiteout), makes /data/old opaque
#                         and adds /data/old/new
#   all-oci.tar           busybox, http-echo and whiteout in one OCI layout (several images)
#
# Deterministic: fixed mtimes, owners and order, gzip -n; the same busybox gives the same
# digests.
set -euo pipefail

OUT=${1:?usage: build.sh OUT_DIR}
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || { echo "build.sh: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }
# The system python (a version-manager shim costs more than the whole build).
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cube-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BLOBS="$WORK/blobs/sha256"
mkdir -p "$BLOBS"

TAR=(tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --format=gnu)

# layer_from DIR NAME COMPRESS: tars DIR into $WORK/NAME.tar, stores the (compressed) blob and
# prints "<diffID hex> <blob hex> <blob size> <mediaType>".
layer_from() {
  local dir=$1 name=$2 compress=$3 blob media
  "${TAR[@]}" -C "$dir" -cf "$WORK/$name.tar" .
  local diff
  diff=$(sha256sum "$WORK/$name.tar" | cut -d' ' -f1)
  case $compress in
    gzip) gzip -n -c "$WORK/$name.tar" >"$WORK/$name.blob"; media=application/vnd.oci.image.layer.v1.tar+gzip ;;
    zstd) zstd -q -c "$WORK/$name.tar" >"$WORK/$name.blob"; media=application/vnd.oci.image.layer.v1.tar+zstd ;;
    none) cp "$WORK/$name.tar" "$WORK/$name.blob"; media=application/vnd.oci.image.layer.v1.tar ;;
  esac
  blob=$(sha256sum "$WORK/$name.blob" | cut -d' ' -f1)
  cp "$WORK/$name.blob" "$BLOBS/$blob"
  echo "$diff $blob $(stat -c %s "$WORK/$name.blob") $media"
}

# put_blob FILE: stores FILE as a blob; prints "<hex> <size>".
put_blob() {
  local hex
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$BLOBS/$hex"
  echo "$hex $(stat -c %s "$1")"
}

# --- root file systems ---
ROOT="$WORK/busybox-root"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,root,home,var,tmp}
cp "$BUSYBOX" "$ROOT/bin/busybox"
chmod 0755 "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list-full); do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$ROOT/$(dirname "$applet")"
  ln -sf /bin/busybox "$ROOT/$applet"
done
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
chmod 0644 "$ROOT/etc/passwd" "$ROOT/etc/group"

WWW="$WORK/www-root"
mkdir -p "$WWW/www/cgi-bin"
cat >"$WWW/www/cgi-bin/index.cgi" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "Welcome! $(hostname)"
CGI
chmod 0755 "$WWW/www/cgi-bin/index.cgi"
# The seeds run `kubectl exec http-go-... -- curl 10.12.0.237:80` in their web images; busybox
# has wget, so this image brings a small curl for GETs: curl [-s] [-S] [--max-time N] URL.
mkdir -p "$WWW/usr/local/bin"
cat >"$WWW/usr/local/bin/curl" <<'CURL'
#!/bin/sh
url=
while [ $# -gt 0 ]; do
  case $1 in
    -s|-S|-sS|-Ss|--silent|--show-error) ;;
    -m|--max-time) shift ;;
    -*) echo "curl: option $1 is not supported by this small curl" >&2; exit 2 ;;
    *) url=$1 ;;
  esac
  shift
done
[ -n "$url" ] || { echo "curl: no URL specified" >&2; exit 2; }
case $url in *://*) ;; *) url="http://$url" ;; esac
exec wget -q -O - "$url"
CURL
chmod 0755 "$WWW/usr/local/bin/curl"

W1="$WORK/whiteout-1"
mkdir -p "$W1/etc" "$W1/data/old"
echo removed >"$W1/etc/removed"
echo kept >"$W1/etc/kept"
echo a >"$W1/data/old/a"
echo b >"$W1/data/old/b"
W2="$WORK/whiteout-2"
mkdir -p "$W2/etc" "$W2/data/old"
: >"$W2/etc/.wh.removed"
: >"$W2/data/old/.wh..wh..opq"
echo new >"$W2/data/old/new"
chmod -R u=rwX,go=rX "$W1" "$W2"

read -r BB_DIFF BB_GZ BB_GZ_SIZE BB_GZ_MEDIA < <(layer_from "$ROOT" busybox gzip)
read -r _ BB_TAR BB_TAR_SIZE _ < <(layer_from "$ROOT" busybox-plain none)
read -r WWW_DIFF WWW_GZ WWW_GZ_SIZE WWW_MEDIA < <(layer_from "$WWW" www gzip)
read -r W1_DIFF W1_BLOB W1_SIZE W1_MEDIA < <(layer_from "$W1" whiteout1 gzip)
read -r W2_DIFF W2_BLOB W2_SIZE W2_MEDIA < <(layer_from "$W2" whiteout2 zstd)

# --- configs and manifests (JSON by python: sorted keys, no spaces, deterministic) ---
"$PYTHON" - "$WORK" <<PY
import json, sys
work = sys.argv[1]
def dump(name, obj):
    with open(f"{work}/{name}", "w") as f:
        json.dump(obj, f, sort_keys=True, separators=(",", ":"))
path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
def config(diffs, cfg):
    return {"architecture": "amd64", "os": "linux", "created": "2026-11-22T00:00:00Z",
            "config": cfg, "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diffs]}}
dump("busybox.config", config(["$BB_DIFF"], {"Env": [path], "Cmd": ["sh"]}))
dump("http-echo.config", config(["$BB_DIFF", "$WWW_DIFF"], {
    "Env": [path], "Entrypoint": ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"],
    "ExposedPorts": {"8080/tcp": {}}, "WorkingDir": "/www"}))
dump("whiteout.config", config(["$W1_DIFF", "$W2_DIFF"], {"Env": [path], "Cmd": ["sh"]}))
PY
read -r BB_CFG BB_CFG_SIZE < <(put_blob "$WORK/busybox.config")
read -r HE_CFG HE_CFG_SIZE < <(put_blob "$WORK/http-echo.config")
read -r WO_CFG WO_CFG_SIZE < <(put_blob "$WORK/whiteout.config")

# manifest NAME CONFIG_HEX CONFIG_SIZE "hex size media"...: writes $WORK/NAME.manifest.
manifest() {
  local name=$1 cfg=$2 cfgsize=$3; shift 3
  "$PYTHON" - "$WORK/$name.manifest" "$cfg" "$cfgsize" "$@" <<'PY'
import json, sys
out, cfg, size, layers = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
     "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + cfg, "size": size},
     "layers": [{"mediaType": l.split()[2], "digest": "sha256:" + l.split()[0],
                 "size": int(l.split()[1])} for l in layers]}
with open(out, "w") as f:
    json.dump(m, f, sort_keys=True, separators=(",", ":"))
PY
}
manifest busybox "$BB_CFG" "$BB_CFG_SIZE" "$BB_GZ $BB_GZ_SIZE $BB_GZ_MEDIA"
manifest http-echo "$HE_CFG" "$HE_CFG_SIZE" "$BB_GZ $BB_GZ_SIZE $BB_GZ_MEDIA" "$WWW_GZ $WWW_GZ_SIZE $WWW_MEDIA"
manifest whiteout "$WO_CFG" "$WO_CFG_SIZE" "$W1_BLOB $W1_SIZE $W1_MEDIA" "$W2_BLOB $W2_SIZE $W2_MEDIA"
read -r BB_MAN BB_MAN_SIZE < <(put_blob "$WORK/busybox.manifest")
read -r HE_MAN HE_MAN_SIZE < <(put_blob "$WORK/http-echo.manifest")
read -r WO_MAN WO_MAN_SIZE < <(put_blob "$WORK/whiteout.manifest")

# oci_archive OUT "name manifest_hex manifest_size"...: an OCI layout tar with those images.
oci_archive() {
  local out=$1; shift
  local dir="$WORK/layout-$(basename "$out" .tar)" blobs=()
  mkdir -p "$dir/blobs/sha256"
  "$PYTHON" - "$dir/index.json" "$@" <<'PY'
import json, sys
out, images = sys.argv[1], sys.argv[2:]
idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + i.split()[1],
     "size": int(i.split()[2]),
     "annotations": {"io.containerd.image.name": "docker.io/" + i.split()[0],
                     "org.opencontainers.image.ref.name": i.split()[0].split(":")[-1]}}
    for i in images]}
with open(out, "w") as f:
    json.dump(idx, f, sort_keys=True, separators=(",", ":"))
PY
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  for image in "$@"; do
    read -r _ man _ <<<"$image"
    blobs+=("$man")
    blobs+=($("$PYTHON" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["config"]["digest"][7:], *[l["digest"][7:] for l in m["layers"]])' "$BLOBS/$man"))
  done
  for b in "${blobs[@]}"; do cp "$BLOBS/$b" "$dir/blobs/sha256/$b"; done
  "${TAR[@]}" -C "$dir" -cf "$out" oci-layout index.json blobs
}

oci_archive "$OUT/busybox-oci.tar" "cube-test/busybox:1 $BB_MAN $BB_MAN_SIZE"
oci_archive "$OUT/http-echo-oci.tar" "cube-test/http-echo:1 $HE_MAN $HE_MAN_SIZE"
oci_archive "$OUT/whiteout-oci.tar" "cube-test/whiteout:1 $WO_MAN $WO_MAN_SIZE"
oci_archive "$OUT/all-oci.tar" "cube-test/busybox:1 $BB_MAN $BB_MAN_SIZE" \
  "cube-test/http-echo:1 $HE_MAN $HE_MAN_SIZE" "cube-test/whiteout:1 $WO_MAN $WO_MAN_SIZE"

# docker save: <config hex>.json, <layer id>/layer.tar, manifest.json, repositories.
DS="$WORK/docker-save"
LAYER_ID=$(printf '%s' "$BB_TAR" | sha256sum | cut -d' ' -f1)
mkdir -p "$DS/$LAYER_ID"
cp "$WORK/busybox.config" "$DS/$BB_CFG.json"
cp "$BLOBS/$BB_TAR" "$DS/$LAYER_ID/layer.tar"
printf '1.0' >"$DS/$LAYER_ID/VERSION"
printf '[{"Config":"%s.json","RepoTags":["cube-test/busybox:1","cube-test/busybox:latest"],"Layers":["%s/layer.tar"]}]' \
  "$BB_CFG" "$LAYER_ID" >"$DS/manifest.json"
printf '{"cube-test/busybox":{"1":"%s","latest":"%s"}}' "$LAYER_ID" "$LAYER_ID" >"$DS/repositories"
"${TAR[@]}" -C "$DS" -cf "$OUT/busybox-docker.tar" .

ls -l "$OUT"/*.tar | awk '{print $5, $9}'
