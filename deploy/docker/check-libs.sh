#!/bin/sh
# Exits 1, naming them, if a native addon or shared library under DIR needs a shared library the system lacks.
# Run by the Dockerfile's runtime stage on /opt/logpulse (so a missing package fails the build, not the daemon's first
# Kafka connection) and by scripts/docker-replay on the tree it assembles. POSIX sh: the slim image has no bash
# guarantees. musl builds (msgpackr-extract ships some) are skipped: glibc's ldd cannot load them, and Node never does.
# A library's siblings count as found (LD_LIBRARY_PATH=its directory): librdkafka++.so.1 names librdkafka.so.1 without
# a RUNPATH, and finds it at run time because node-librdkafka.node (RUNPATH $ORIGIN/../deps) has loaded it first.
set -eu
dir=${1:?usage: check-libs.sh DIR}
missing=$(find "$dir" -type f \( -name '*.node' -o -name '*.so' -o -name '*.so.*' \) ! -name '*musl*' \
  -exec sh -c 'for f; do echo "$f:"; LD_LIBRARY_PATH=$(dirname "$f") ldd "$f" 2>&1; done' check-libs {} + \
  | awk '/:$/ { file = $0 } /not found/ { print file " " $1 }')
if [ -n "$missing" ]; then
  printf 'check-libs: shared libraries not found (install their Debian packages in the runtime stage):\n%s\n' "$missing" >&2
  exit 1
fi
echo "check-libs: every native addon under $dir finds its shared libraries"
