#!/usr/bin/env bash
# Makes a fresh Debian machine ready for the whole test suite: Debian packages, a running dockerd and
# Redis on loopback, and the offline sandbox base image. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(docker.io debootstrap redis-server git patch python3 ca-certificates chromium)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# dockerd: started in the background when not answering; the socket is ready in about a second.
if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd"
  nohup dockerd >/var/log/codemonkeys-dockerd.log 2>&1 &
  for _ in $(seq 1 100); do
    docker info >/dev/null 2>&1 && break
    sleep 0.2
  done
  docker info >/dev/null 2>&1 || { tail -n 30 /var/log/codemonkeys-dockerd.log >&2; echo "dockerd did not start" >&2; exit 1; }
fi

# Redis on loopback only, nothing persisted.
redis_port="${CODEMONKEYS_REDIS_PORT:-6379}"
if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
  echo "starting redis on 127.0.0.1:$redis_port"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

scripts/build-base-image.sh bookworm codemonkeys/base:bookworm
