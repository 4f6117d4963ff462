#!/usr/bin/env bash
# Makes a fresh Debian machine ready for the whole test suite: Debian packages, a running dockerd and
# Redis on loopback, and the offline sandbox base image. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(docker.io debootstrap redis-server git patch python3 ca-certificates chromium)
# Debian's registry (binary docker-registry): the registry tests start their own on a free loopback port.
service_less_packages=(docker-registry)
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for package in "${debian_packages[@]}"; do
  is_installed "$package" || missing+=("$package")
done
missing_service_less=()
for package in "${service_less_packages[@]}"; do
  is_installed "$package" || missing_service_less+=("$package")
done
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ] || [ ${#missing_service_less[@]} -gt 0 ]; then
  apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_service_less[@]} -gt 0 ]; then
  echo "installing Debian packages without starting their services: ${missing_service_less[*]}"
  # policy-rc.d answering 101 keeps the package scripts from starting the service (port 5000 on every interface).
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing_service_less[@]}" >/dev/null || install_failed=1
  [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "${install_failed:-0}" = 1 ] && { echo "installing ${missing_service_less[*]} failed" >&2; exit 1; }
fi
# Never at boot either, and stopped if an earlier install started it.
if is_installed docker-registry; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
  elif command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper disable docker-registry.service >/dev/null 2>&1 || true
  fi
  command -v update-rc.d >/dev/null 2>&1 && update-rc.d docker-registry disable >/dev/null 2>&1 || true
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
