import cliProgress from 'cli-progress';

/** A progress display for a known number of steps. */
export interface CountProgress {
  update: (done: number) => void;
  stop: () => void;
}

/**
 * Progress of `total` steps for a terminal, in the style of the ingest progress: a bar on a TTY,
 * a plain `label done/total` line otherwise (at half way and at the end, every 10% for 1,000 steps or more) (logs and CI stay readable). Runs shorter
 * than `minimum` steps show nothing.
 *
 * @param minimum - smallest total worth a display. @default 20
 */
export function countProgress(
  label: string,
  total: number,
  options: { stream?: NodeJS.WriteStream; minimum?: number } = {},
): CountProgress {
  const stream = options.stream ?? process.stderr;
  if (total < (options.minimum ?? 20)) return { update: () => {}, stop: () => {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label.padEnd(10)} [{bar}] {value}/{total} {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    let stopped = false;
    return {
      update: (done) => bar.update(done),
      stop: () => {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  }
  let lastDecile = 0;
  return {
    update(done) {
      const decile = Math.floor((done / total) * 10);
      if (decile > lastDecile && (decile % 5 === 0 || total >= 1000)) {
        lastDecile = decile;
        stream.write(`${label} ${done}/${total}\n`);
      }
    },
    stop: () => {},
  };
}
