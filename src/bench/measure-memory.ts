import { readFileSync } from 'node:fs';

/** Current and peak resident set size of a process, from /proc (Linux); NaN elsewhere. */
export function memoryOf(pid: number | undefined): { rssMb: number; peakRssMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
    return { rssMb: field('VmRSS'), peakRssMb: field('VmHWM') };
  } catch {
    return { rssMb: Number.NaN, peakRssMb: Number.NaN };
  }
}

/** A process and all its descendants (a cluster's primary and workers), from /proc (Linux). */
export function processTree(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((field) => field.length > 0)
      .map(Number);
  } catch {
    // No such process any more, or not Linux.
  }
  return [pid, ...children.flatMap(processTree)];
}

/** Resident set size of a process and all its descendants, in MB. */
export function treeRssMb(pid: number | undefined): number {
  const tree = processTree(pid);
  return tree.length === 0 ? Number.NaN : tree.reduce((total, member) => total + memoryOf(member).rssMb, 0);
}

/**
 * CPU time (user + system) used so far by a process and its descendants, in ms, from
 * /proc/<pid>/stat (clock ticks of 10 ms, the Linux default).
 */
export function treeCpuMs(pid: number | undefined): number {
  return processTree(pid).reduce((total, member) => total + (cpuMsOf(`/proc/${member}/stat`) ?? 0), 0);
}

/**
 * CPU time (user + system) of a process's main thread so far, in ms (the thread that loads
 * the index; garbage collection helpers and the thread pool run beside it); NaN off Linux.
 */
export function mainThreadCpuMs(pid: number | undefined): number {
  return cpuMsOf(`/proc/${pid}/task/${pid}/stat`) ?? Number.NaN;
}

/** utime + stime of a /proc stat file in ms, or undefined when it cannot be read. */
function cpuMsOf(statFile: string): number | undefined {
  try {
    const stat = readFileSync(statFile, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
