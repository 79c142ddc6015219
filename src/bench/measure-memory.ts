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
