#!/bin/bash
# `cube image import/ls/rm` on a node's image store (no cluster needed): archives from
# tests/images/build.sh in both formats, idempotent re-import, removal with garbage collection,
# and corrupt archives that fail clearly without touching the store.
source "$(dirname "$0")/lib.sh"

DATA="$E2E_DIR/data"
STORE="$DATA/agent/images-store"
build_test_images

img() { "$CUBE_BIN" image "$@" --data-dir "$DATA"; }
count() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

expect "import an OCI layout" "imported docker.io/cube-test/busybox:1 \(sha256:" \
  img import "$IMAGES/busybox-oci.tar"
expect "import a docker save archive (same image, two tags)" \
  "imported docker.io/cube-test/busybox:1, docker.io/cube-test/busybox:latest" \
  img import "$IMAGES/busybox-docker.tar"
expect "import two-layer image" "imported docker.io/cube-test/http-echo:1" \
  img import "$IMAGES/http-echo-oci.tar"
expect "ls has a header" "^IMAGE +TAG +IMAGE ID +SIZE" img ls
expect "ls shows busybox:1" "docker.io/cube-test/busybox +1 +[0-9a-f]{13} +[0-9.]+[kM]B" img ls
expect "ls shows busybox:latest" "docker.io/cube-test/busybox +latest " img ls
expect "ls shows http-echo" "docker.io/cube-test/http-echo +1 +[0-9a-f]{13} " img ls
expect_eq "three rows" "3" bash -c "'$CUBE_BIN' image ls --data-dir '$DATA' | tail -n +2 | wc -l"
expect_eq "two layers unpacked (busybox shared)" "2" count "$STORE/layers/sha256"
LAYER=$(ls "$STORE/layers/sha256" | head -1)
expect "a layer is a plain directory tree" "^(bin|www)$" ls "$STORE/layers/sha256/$LAYER"

BLOBS_BEFORE=$(count "$STORE/blobs/sha256")
INDEX_BEFORE=$(cat "$STORE/images.json")
expect "re-import is idempotent" "imported docker.io/cube-test/busybox:1" \
  img import "$IMAGES/busybox-oci.tar"
expect_eq "re-import adds no blob" "$BLOBS_BEFORE" count "$STORE/blobs/sha256"
expect_eq "re-import keeps the index" "$INDEX_BEFORE" cat "$STORE/images.json"

# Corrupt archives: truncated, and a blob whose content does not match its digest.
head -c 300000 "$IMAGES/http-echo-oci.tar" >"$E2E_DIR/truncated.tar"
expect_fail "truncated archive fails clearly" "truncated.tar: .*runcated" \
  img import "$E2E_DIR/truncated.tar"
mkdir -p "$E2E_DIR/bad" && tar -C "$E2E_DIR/bad" -xf "$IMAGES/busybox-oci.tar"
CONFIG=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["digest"][7:])' \
  "$E2E_DIR/bad/blobs/sha256/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' "$E2E_DIR/bad/index.json")")
sed -i 's/"sh"/"xx"/' "$E2E_DIR/bad/blobs/sha256/$CONFIG"
tar -C "$E2E_DIR/bad" -cf "$E2E_DIR/wrong-digest.tar" .
expect_fail "wrong digest fails clearly" "wrong-digest.tar: blobs/sha256/$CONFIG: content is sha256:[0-9a-f]+ \(corrupt archive\)" \
  img import "$E2E_DIR/wrong-digest.tar"
expect_fail "a file that is no archive" "not-an-archive: " img import "$0" "$E2E_DIR/not-an-archive"
expect_eq "failed imports leave the index" "$INDEX_BEFORE" cat "$STORE/images.json"
expect_eq "failed imports leave the blobs" "$BLOBS_BEFORE" count "$STORE/blobs/sha256"
expect_eq "failed imports leave no temp files" "0" count "$STORE/tmp"

# Removal: a tag, then the image by ID prefix; unreferenced content is collected.
expect "rm one tag" "Untagged: docker.io/cube-test/busybox:latest" img rm cube-test/busybox:latest
expect_eq "its blobs stay (busybox:1 still uses them)" "$BLOBS_BEFORE" count "$STORE/blobs/sha256"
expect "rm http-echo" "Deleted: sha256:" img rm cube-test/http-echo:1
BLOBS_AFTER=$(count "$STORE/blobs/sha256")
if [ "$BLOBS_AFTER" -lt "$BLOBS_BEFORE" ]; then pass "blobs dir shrinks ($BLOBS_BEFORE -> $BLOBS_AFTER)"; else
  fail "blobs dir shrinks" "before $BLOBS_BEFORE after $BLOBS_AFTER"; fi
expect_eq "the www layer is collected, busybox's stays" "1" count "$STORE/layers/sha256"
ID=$(img ls | awk '$1 == "docker.io/cube-test/busybox" {print $3}')
expect "rm by ID prefix" "Deleted: sha256:$ID" img rm "$ID"
expect_eq "empty store: no blobs" "0" count "$STORE/blobs/sha256"
expect_eq "empty store: no layers" "0" count "$STORE/layers/sha256"
expect_eq "ls prints only the header" "1" bash -c "'$CUBE_BIN' image ls --data-dir '$DATA' | wc -l"
expect_fail "rm of an unknown image" "image \"nope:1\" not found" img rm nope:1
expect_fail "rm of an invalid reference" "invalid image reference \"Nope\"" img rm Nope

# The unpacked layers are overlayfs lower dirs as they are: whiteouts hide, opaque dirs hide.
if [ "$(id -u)" -eq 0 ]; then
  expect "import the whiteout image (zstd layer)" "imported docker.io/cube-test/whiteout:1" \
    img import "$IMAGES/whiteout-oci.tar"
  LOWER=$(python3 -c 'import json,sys
for i in json.load(open(sys.argv[1]))["images"]:
    if "docker.io/cube-test/whiteout:1" in i["references"]:
        print(":".join(sys.argv[2] + "/" + l["diffID"][7:] for l in reversed(i["layers"])))' \
    "$STORE/images.json" "$STORE/layers/sha256")
  mkdir -p "$E2E_DIR/merged" "$E2E_DIR/upper" "$E2E_DIR/work"
  if mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$E2E_DIR/upper,workdir=$E2E_DIR/work" \
    "$E2E_DIR/merged" 2>/dev/null; then
    expect_eq "overlay: the whiteout hides /etc/removed" "kept" ls "$E2E_DIR/merged/etc"
    expect_eq "overlay: the opaque dir hides the lower files" "new" ls "$E2E_DIR/merged/data/old"
    umount "$E2E_DIR/merged"
  else
    echo "skip: overlay mount not available"
  fi
fi

finish
