import type { Embedder, EmbedOptions } from '../types.js';

/** Options of `embedMany`: those of `embed`, plus progress. */
export interface EmbedManyOptions extends EmbedOptions {
  /** Called after each batch with the number of texts embedded so far. @default none */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Embeds any number of texts in batches of `embedder.maxBatchSize`, in order. The one place
 * that batches, reports progress and checks for cancellation.
 */
export async function embedMany(
  embedder: Embedder,
  texts: string[],
  options: EmbedManyOptions = {},
): Promise<Float32Array[]> {
  const { onProgress, ...embedOptions } = options;
  const vectors: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += embedder.maxBatchSize) {
    options.signal?.throwIfAborted();
    const batch = texts.slice(start, start + embedder.maxBatchSize);
    const batchVectors = await embedder.embed(batch, embedOptions);
    if (batchVectors.length !== batch.length) {
      throw new Error(
        `embedder ${embedder.id} returned ${batchVectors.length} vectors for ${batch.length} texts`,
      );
    }
    vectors.push(...batchVectors);
    onProgress?.(vectors.length, texts.length);
  }
  return vectors;
}
