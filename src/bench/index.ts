export {
  BENCH_TARGETS,
  type BenchResults,
  formatBenchReport,
  machine,
  writeBenchReport,
} from './bench-report.js';
export { type IngestMeasure, type IngestProgressDisplay, measureIngest } from './measure-ingest.js';
export { type BenchCorpus, type LatencyMeasure, measureLatency } from './measure-latency.js';
export { memoryOf, processTree, treeCpuMs, treeRssMb } from './measure-memory.js';
export { measureStarts, type StartMeasure } from './measure-starts.js';
export { measureThroughput, type ThroughputMeasure } from './measure-throughput.js';
export { type BenchOptions, defaultBenchOptions, runBench } from './run-bench.js';
export {
  formatScaleReport,
  runScaleBench,
  type ScaleBenchOptions,
  type ScaleMeasure,
  type ScaleResults,
  type ScaleSetup,
} from './run-scale-bench.js';
export type { ServerCommand } from './server-process.js';
