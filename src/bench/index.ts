export {
  BENCH_TARGETS,
  type BenchResults,
  formatBenchReport,
  formatStartReport,
  machine,
  type StartBenchResults,
  writeBenchReport,
} from './bench-report.js';
export { type IngestMeasure, type IngestProgressDisplay, measureIngest } from './measure-ingest.js';
export { type BenchCorpus, type LatencyMeasure, measureLatency } from './measure-latency.js';
export { memoryOf, processTree, treeCpuMs, treeRssMb } from './measure-memory.js';
export { measureStarts, measureWarmStarts, type StartMeasure, type WarmStarts } from './measure-starts.js';
export { measureThroughput, type ThroughputMeasure } from './measure-throughput.js';
export { type BenchOptions, defaultBenchOptions, runBench, runStartBench } from './run-bench.js';
export {
  formatScaleReport,
  runScaleBench,
  type ScaleBenchOptions,
  type ScaleMeasure,
  type ScaleResults,
  type ScaleSetup,
} from './run-scale-bench.js';
export type { ServerCommand } from './server-process.js';
