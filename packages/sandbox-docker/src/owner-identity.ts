import fs from 'node:fs';
import os from 'node:os';

/**
 * Who created a container: the host, its boot, the process and that process's start time. A pid alone is
 * not enough to tell a crashed run from a live one (pids are reused, and several engineers' test processes
 * share this daemon), so liveness checks all four.
 */
export interface OwnerIdentity {
  host: string;
  bootId: string;
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/PID/stat field 22); '' when unknown. */
  processStart: string;
}

function readBootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // No /proc (macOS, say): the boot time to the minute tells reboots apart well enough.
    return `boot-${Math.round((Date.now() / 1000 - os.uptime()) / 60)}`;
  }
}

/** Field 22 of /proc/PID/stat; the command name (field 2) may contain spaces and parentheses. */
export function readProcessStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

let current: OwnerIdentity | undefined;

export function currentOwner(): OwnerIdentity {
  current ??= { host: os.hostname(), bootId: readBootId(), pid: process.pid, processStart: readProcessStart(process.pid) ?? '' };
  return current;
}

export const ownerKey = (owner: OwnerIdentity): string => `${owner.host}/${owner.bootId}/${owner.pid}/${owner.processStart}`;

export type OwnerLiveness = 'alive' | 'dead' | 'unknown';

/**
 * Whether the owner of a container still runs. 'unknown' for another host (a process in another container
 * or machine sharing the daemon): such containers are never reaped from here.
 */
export function ownerLiveness(owner: OwnerIdentity, self: OwnerIdentity = currentOwner()): OwnerLiveness {
  if (owner.host !== self.host) return 'unknown';
  if (owner.bootId !== self.bootId) return 'dead'; // the machine rebooted since
  if (owner.pid === self.pid) return owner.processStart === self.processStart ? 'alive' : 'dead';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
    // EPERM: the process exists but belongs to another user.
  }
  const start = readProcessStart(owner.pid);
  if (start === undefined) return fs.existsSync('/proc/self/stat') ? 'dead' : 'alive';
  return owner.processStart === '' || start === owner.processStart ? 'alive' : 'dead';
}
