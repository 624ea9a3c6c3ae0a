import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICK_MICROS = 10_000;

/**
 * CPU time (µs) used so far by the PostgreSQL server processes on this machine, read from /proc:
 * every `postgres` process's user and system time, plus the children it has reaped (backends that
 * ended). `null` where /proc is missing. Resolution: 10 ms, so it is read over whole windows only.
 */
export function databaseCpuMicros(): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  let ticks = 0;
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid …": fields after the command name, which may hold spaces.
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
    const fields = stat.slice(close + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of stat, here 11-14 (0-based, after "state").
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks * TICK_MICROS;
}
