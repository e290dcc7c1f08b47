#!/usr/bin/env bash
# Builds the JVM image mqtt-replicator:local from Dockerfile.jvm, on a machine that reaches only
# Debian's packages and Maven Central: its base image is made from Debian packages (debootstrap,
# then docker import), built once and reused.
#
#   ./mvnw package -DskipTests && src/main/docker/build-local.sh
#   src/main/docker/build-local.sh --with-mosquitto    # also the Mosquitto image the container tests run
#   src/main/docker/build-local.sh --rebuild-base      # make the base images again (new Debian packages)
#
# Needs root (debootstrap) and a running Docker engine. Environment: IMAGE (default
# mqtt-replicator:local), DEBIAN_MIRROR (default: the first mirror apt is configured with).
set -euo pipefail
cd "$(dirname "$0")/../../.."

readonly SUITE=bookworm
readonly JAVA_BASE=mqtt-replicator-base:bookworm-jre17
readonly MOSQUITTO_IMAGE=mqtt-replicator-mosquitto:local
readonly IMAGE=${IMAGE:-mqtt-replicator:local}

with_mosquitto=false
rebuild_base=false
for argument in "$@"; do
  case "$argument" in
    --with-mosquitto) with_mosquitto=true ;;
    --rebuild-base) rebuild_base=true ;;
    *) echo "build-local.sh: unknown argument '$argument' (--with-mosquitto, --rebuild-base)" >&2; exit 2 ;;
  esac
done

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  local mirror
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }')
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
    /etc/apt/sources.list 2>/dev/null)
  echo "${mirror:-http://deb.debian.org/debian}"
}

# An image NAME made of a minimal Debian with PACKAGES, unless it exists; EXTRA runs in its root
# file system before the import, CHANGES are Dockerfile instructions for docker import.
base_image() {
  local name=$1 packages=$2 extra=$3
  shift 3
  if ! $rebuild_base && docker image inspect "$name" >/dev/null 2>&1; then
    echo "Base image $name: present"
    return
  fi
  command -v debootstrap >/dev/null || { echo "build-local.sh: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  local rootfs
  rootfs=$(mktemp -d)
  echo "Base image $name: debootstrap $SUITE with $packages from $(debian_mirror)"
  debootstrap --variant=minbase --include="$packages" "$SUITE" "$rootfs" "$(debian_mirror)" >"$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log" >&2; rm -rf "$rootfs" "$rootfs.log"; exit 1; }
  rm -f "$rootfs.log"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  [ -z "$extra" ] || (cd "$rootfs" && eval "$extra")
  local change_args=()
  for change in "$@"; do
    change_args+=(--change "$change")
  done
  tar -C "$rootfs" -c . | docker import "${change_args[@]}" - "$name" >/dev/null
  rm -rf "$rootfs"
  echo "Base image $name: built"
}

[ -f target/quarkus-app/quarkus-run.jar ] \
  || { echo "build-local.sh: target/quarkus-app is missing: run ./mvnw package -DskipTests first" >&2; exit 1; }

base_image "$JAVA_BASE" openjdk-17-jre-headless "" "ENV LANG=C.UTF-8"
replaced=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
docker build --quiet --build-arg BASE_IMAGE="$JAVA_BASE" -f src/main/docker/Dockerfile.jvm -t "$IMAGE" . >/dev/null
echo "Image $IMAGE: built from Dockerfile.jvm on $JAVA_BASE"
# the image this build replaced, unless a container still uses it
if [ -n "$replaced" ] && [ "$replaced" != "$(docker image inspect --format '{{.Id}}' "$IMAGE")" ]; then
  docker rmi "$replaced" >/dev/null 2>&1 || true
fi

if $with_mosquitto; then
  # Its own configuration, not Debian's (a pid file under /run, a log file): a listener on every
  # interface of the container, anonymous clients, the log on standard error (unbuffered, so
  # docker logs shows it at once), and sessions kept across a restart of the container.
  base_image "$MOSQUITTO_IMAGE" mosquitto \
    "printf '%s\\n' 'listener 1883' 'allow_anonymous true' 'log_dest stderr' 'persistence true' \
      'persistence_location /var/lib/mosquitto/' 'max_queued_messages 100000' > etc/mosquitto/container.conf" \
    "EXPOSE 1883" 'CMD ["/usr/sbin/mosquitto", "-c", "/etc/mosquitto/container.conf"]'
  echo "Image $MOSQUITTO_IMAGE: ready"
fi
