import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { IngestPhase } from '../ingest/index.js';

const LABELS: Record<IngestPhase, string> = {
  read: 'reading',
  embed: 'embedding',
  index: 'indexing',
  write: 'writing',
};

/**
 * Ingest progress for a terminal: a bar per phase on a TTY, a plain line every 10% otherwise
 * (logs and CI stay readable).
 */
export function ingestProgress(stream: NodeJS.WriteStream = process.stderr): {
  update: (phase: IngestPhase, done: number, total: number) => void;
  stop: () => void;
} {
  let bar: cliProgress.SingleBar | undefined;
  let phase: IngestPhase | undefined;
  let lastDecile = -1;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(next, done, total) {
      if (total < 2) return;
      if (next !== phase) {
        stop();
        phase = next;
        lastDecile = -1;
        if (stream.isTTY) {
          // Loaded on the first bar: a server that does not ingest at start never needs it.
          const { SingleBar, Presets } = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
          bar = new SingleBar(
            {
              stream,
              format: `${LABELS[next].padEnd(10)} [{bar}] {value}/{total} {eta_formatted}`,
              hideCursor: true,
              clearOnComplete: true,
            },
            Presets.shades_classic,
          );
          bar.start(total, 0);
        }
      }
      if (bar) bar.update(done);
      else {
        const decile = Math.floor((done / total) * 10);
        if (decile > lastDecile && (decile % 5 === 0 || total >= 1000)) {
          lastDecile = decile;
          stream.write(`${LABELS[next]} ${done}/${total}\n`);
        }
      }
    },
    stop,
  };
}
