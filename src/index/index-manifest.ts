import { z } from 'zod';
import type { SourceDocument } from '../types.js';

/** Largest embedding width Footnote accepts in a manifest (the widest common models use 4,096). */
const MAX_DIMENSIONS = 65_536;

/** A short name typed as one of the values Footnote writes (the list grows with new formats). */
const name = <T extends string>() =>
  z.custom<T>((value) => typeof value === 'string' && value.length > 0 && value.length < 64);

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The shape of `manifest.json`. It is checked before anything in it is used: a damaged number
 * (`dimensions: -1`, a count of 1e300) would otherwise size buffers and native allocations.
 */
export const indexManifestSchema = z.object({
  formatVersion: z.number().int(),
  createdAt: z.string(),
  /** The corpus folder the index was built from, as a real path. */
  corpusRoot: z.string().min(1),
  /** Id of the store that wrote it (`file`); absent in indexes written before stores had ids. */
  store: z.string().optional(),
  embedder: z.object({
    id: z.string().min(1),
    dimensions: z.number().int().min(1).max(MAX_DIMENSIONS),
    settings: z.record(z.string(), z.unknown()).optional(),
  }),
  chunking: z.record(z.string(), z.number()),
  counts: z.object({ sources: count, chunks: count }),
  files: z.record(
    z.string(),
    z.object({
      id: z.string(),
      hash: z.string(),
      chunks: count,
      encoding: name<SourceDocument['encoding']>(),
      format: name<SourceDocument['format']>(),
    }),
  ),
  /** SHA-256 of every data file, checked before any of them is parsed. */
  checksums: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});

/** What an index was built from and with; refused at load when it does not match. */
export type IndexManifest = z.infer<typeof indexManifestSchema>;
