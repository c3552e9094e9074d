#!/usr/bin/env bash
# Installs and starts a real libvirtd + QEMU for the libvirt driver tests (Debian 12, run as root): the Debian
# packages, KVM access for QEMU (else every define waits ~44 s for a KVM probe and guests fall back to TCG),
# and the daemons without systemd (virtlogd, then libvirtd). Idempotent: a running libvirtd is left alone.
# Tests create their own storage pools and networks in temporary directories and remove them afterwards.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
for cmd in virsh:libvirt-clients libvirtd:libvirt-daemon-system qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils dnsmasq:dnsmasq-base; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${cmd%%:*}" ] || need+=("${cmd##*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "install-libvirt: apt-get install ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -e /dev/kvm ] && getent group kvm >/dev/null; then
  chgrp kvm /dev/kvm && chmod 660 /dev/kvm
fi

if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  pgrep -x virtlogd >/dev/null || /usr/sbin/virtlogd -d
  pgrep -x libvirtd >/dev/null || /usr/sbin/libvirtd -d
  for _ in $(seq 1 50); do
    virsh -c qemu:///system version >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
virsh -c qemu:///system version
