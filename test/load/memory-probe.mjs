// Preloaded into the server under load (`node --expose-gc --import <this> bin/footnote.js serve`):
// on SIGUSR2 it collects garbage and prints the memory in use, so the load test can tell a leak
// from a heap that merely has not been collected yet.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  process.stderr.write(`memory ${JSON.stringify(process.memoryUsage())}\n`);
});
