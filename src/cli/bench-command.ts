import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import {
  formatBenchReport,
  formatScaleReport,
  formatStartReport,
  runBench,
  runScaleBench,
  runStartBench,
  writeBenchReport,
} from '../bench/index.js';
import { FootnoteError } from '../errors.js';
import { chooseStore } from '../store/index.js';
import { type EnvironmentConfig, PACKAGE_ROOT } from './config.js';
import { integerOption } from './options.js';
import { ingestProgress } from './progress.js';
import { createRuntime, openEngine } from './runtime.js';

interface BenchFlags {
  datasets: string;
  out: string;
  questions: number;
  duration: number;
  starts: number;
  startsOnly?: boolean;
  scale?: boolean;
  store?: string;
  repeats: number;
}

/** `footnote bench`: parses the flags, runs `runBench` (src/bench/) and writes its report. */
export function benchCommand(config: () => EnvironmentConfig): Command {
  return new Command('bench')
    .description(
      'Measure ingest speed, index size, start time, answer latency, HTTP throughput and memory on the public datasets',
    )
    .option(
      '--datasets <dir>',
      'folder holding bbc/articles, agnews/test.csv and squad/dev-v1.1-part-a.json',
      '../shared/datasets',
    )
    .option('--out <dir>', 'where results.json and latency-vs-corpus-size.svg are written', 'benchmarks')
    .option('--questions <n>', 'questions per corpus for the answer latency', integerOption, 200)
    .option('--duration <seconds>', 'length of each HTTP load run', integerOption, 10)
    .option('--starts <n>', 'warm server starts to take the median of', integerOption, 5)
    .option(
      '--starts-only',
      'measure only the warm starts on the BBC index (building it once) and the first answer after each; prints, writes nothing',
    )
    .option(
      '--scale',
      'instead: HTTP throughput on BBC at 50 connections with 1 and 2 workers, per store, and 1 and 2 app servers on one database',
    )
    .option('--store <url>', 'with --scale: also measure the Postgres store at this postgres:// URL')
    .option(
      '--repeats <n>',
      'with --scale: measured runs per setup, whose median is reported',
      integerOption,
      3,
    )
    .action(async (flags: BenchFlags) => {
      const environment = config();
      const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
      const runtime = createRuntime(environment, { embedder: 'glove' }, log);
      const server = { bin: path.join(PACKAGE_ROOT, 'bin', 'footnote.js'), environment: process.env };
      if (flags.startsOnly) {
        const results = await runStartBench({
          datasets: path.resolve(flags.datasets),
          stateDirectory: path.resolve(environment.indexDirectory),
          embedder: runtime.embedder,
          server,
          starts: flags.starts,
          log,
          ingestProgress: () => ingestProgress(),
        });
        process.stdout.write(formatStartReport(results));
        return;
      }
      if (flags.scale) {
        if (flags.store !== undefined && !/^postgres(ql)?:\/\//i.test(flags.store))
          throw new FootnoteError(
            'invalid_request',
            '--store must be a postgres://… URL (the file store is always measured)',
          );
        const bbcDirectory = path.join(path.resolve(flags.datasets), 'bbc', 'articles');
        if (!existsSync(bbcDirectory))
          throw new FootnoteError(
            'invalid_request',
            `benchmark dataset ${bbcDirectory} not found; pass the folder holding bbc/ with --datasets`,
          );
        const indexDirectory = path.join(path.resolve(environment.indexDirectory), 'bench', 'bbc-index');
        const results = await runScaleBench({
          bbcDirectory,
          indexDirectory,
          embedder: runtime.embedder,
          fileStore: chooseStore({ store: 'file', indexDirectory }),
          ...(flags.store === undefined
            ? {}
            : { postgres: { url: flags.store, store: chooseStore({ store: flags.store, indexDirectory }) } }),
          server,
          duration: flags.duration,
          repeats: flags.repeats,
          log,
        });
        const out = path.resolve(flags.out);
        await mkdir(out, { recursive: true });
        await writeFile(path.join(out, 'scale-results.json'), `${JSON.stringify(results, null, 2)}\n`);
        log(`wrote ${path.relative(process.cwd(), path.join(out, 'scale-results.json'))}`);
        process.stdout.write(formatScaleReport(results));
        return;
      }
      const results = await runBench({
        datasets: path.resolve(flags.datasets),
        corpusDirectory: path.resolve(environment.corpusDirectory),
        corpusQuestionsFile: path.join(PACKAGE_ROOT, 'evals', 'corpus-questions.jsonl'),
        stateDirectory: path.resolve(environment.indexDirectory),
        cacheDirectory: environment.cacheDirectory,
        embedder: runtime.embedder,
        // Each corpus has its own index folder; the bench measures the embedded file store.
        openEngine: (indexDirectory) =>
          openEngine(
            { ...runtime, indexDirectory, store: chooseStore({ store: 'file', indexDirectory }) },
            {},
          ),
        server,
        questions: flags.questions,
        duration: flags.duration,
        starts: flags.starts,
        log,
        ingestProgress: () => ingestProgress(),
      });
      const written = await writeBenchReport(results, path.resolve(flags.out));
      log(`wrote ${written.map((file) => path.relative(process.cwd(), file)).join(' and ')}`);
      process.stdout.write(formatBenchReport(results));
    });
}
