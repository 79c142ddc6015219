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

/** Resident set size of a process and all its descendants (a cluster's primary and workers), in MB. */
export function treeRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
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
  return children.reduce((total, child) => total + treeRssMb(child), memoryOf(pid).rssMb);
}
