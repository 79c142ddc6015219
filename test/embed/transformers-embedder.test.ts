import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkModelFiles,
  createTransformersEmbedder,
  findLocalTransformersModel,
} from '../../src/embed/transformers-embedder.js';
import { FootnoteError } from '../../src/errors.js';
import type { Embedder } from '../../src/types.js';
import { expectClose, runEmbedderContract, TEXTS } from './embedder.case.js';
import { TINY_BERT_HIDDEN_SIZE, TINY_BERT_MODEL_ID, writeTinyBertModel } from './tiny-bert-model.js';

let modelsDirectory: string;
let embedder: Embedder;
const originalFetch = globalThis.fetch;
const fetchCalls: string[] = [];

beforeAll(async () => {
  // Any request (e.g. a hub download) is recorded and fails, so the suite proves it stays offline.
  globalThis.fetch = async (input: Parameters<typeof fetch>[0]) => {
    fetchCalls.push(String(input instanceof Request ? input.url : input));
    throw new Error('network access is not allowed in this test');
  };
  modelsDirectory = await mkdtemp(path.join(tmpdir(), 'footnote-transformers-'));
  await writeTinyBertModel(modelsDirectory, TINY_BERT_MODEL_ID);
  await writeTinyBertModel(modelsDirectory, 'test-org/bge-tiny');
  embedder = await createTransformersEmbedder({
    modelId: TINY_BERT_MODEL_ID,
    modelsDirectory,
    maxBatchSize: 3,
  });
});

afterAll(async () => {
  globalThis.fetch = originalFetch;
  await rm(modelsDirectory, { recursive: true, force: true });
});

describe('createTransformersEmbedder', () => {
  it('reads its id and dimensions from the model', () => {
    expect(embedder.id).toBe('transformers:test-org/tiny-bert');
    expect(embedder.dimensions).toBe(TINY_BERT_HIDDEN_SIZE);
    expect(embedder.maxBatchSize).toBe(3);
  });

  it('prefixes queries for a bge model and not for an unknown family', async () => {
    const bge = await createTransformersEmbedder({ modelId: 'test-org/bge-tiny', modelsDirectory });
    const [asQuery] = await bge.embed([TEXTS[0] ?? ''], { kind: 'query' });
    const [asDocument] = await bge.embed([TEXTS[0] ?? ''], { kind: 'document' });
    expect(Array.from(asQuery ?? [])).not.toEqual(Array.from(asDocument ?? []));

    const [plainQuery] = await embedder.embed([TEXTS[0] ?? ''], { kind: 'query' });
    const [plainDocument] = await embedder.embed([TEXTS[0] ?? '']);
    expect(Array.from(plainQuery ?? [])).toEqual(Array.from(plainDocument ?? []));
  });

  it('lets options override the family prefix', async () => {
    const prefixed = await createTransformersEmbedder({
      modelId: TINY_BERT_MODEL_ID,
      modelsDirectory,
      queryPrefix: 'query: ',
    });
    const [asQuery] = await prefixed.embed([TEXTS[1] ?? ''], { kind: 'query' });
    const [unprefixed] = await embedder.embed([TEXTS[1] ?? ''], { kind: 'query' });
    const [explicit] = await embedder.embed([`query: ${TEXTS[1] ?? ''}`]);
    expect(Array.from(asQuery ?? [])).not.toEqual(Array.from(unprefixed ?? []));
    expectClose(asQuery, explicit);
  });

  it('stops between batches when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = embedder.embed(TEXTS, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('names each missing file, where it looked and how to get it', async () => {
    const modelId = 'test-org/partial';
    const directory = path.join(modelsDirectory, 'test-org', 'partial');
    await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, 'config.json'), '{"model_type":"bert"}');

    const error = await createTransformersEmbedder({ modelId, modelsDirectory }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(FootnoteError);
    const footnoteError = error as FootnoteError;
    expect(footnoteError.code).toBe('model_files_missing');
    expect(footnoteError.details).toEqual({
      missing: ['tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'],
    });
    for (const file of ['tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']) {
      expect(footnoteError.message).toContain(file);
    }
    expect(footnoteError.message).toContain(directory);
    expect(footnoteError.message).toContain('https://huggingface.co/test-org/partial/tree/main');
    expect(footnoteError.message).toContain('FOOTNOTE_MODELS_DIR');

    const unquantized = await createTransformersEmbedder({
      modelId,
      modelsDirectory,
      quantized: false,
    }).catch((caught: unknown) => caught);
    expect((unquantized as FootnoteError).message).toContain('onnx/model.onnx');
  });

  it('rejects a model id that could escape the models directory', async () => {
    await expect(createTransformersEmbedder({ modelId: '../etc', modelsDirectory })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});

describe('checkModelFiles', () => {
  it('accepts the generated model and lists what an incomplete one lacks', () => {
    expect(checkModelFiles(TINY_BERT_MODEL_ID, modelsDirectory, true)).toEqual({
      ok: true,
      missing: [],
      directory: path.join(modelsDirectory, 'test-org', 'tiny-bert'),
    });
    expect(checkModelFiles('nobody/nothing', modelsDirectory, false).missing).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model.onnx',
    ]);
  });
});

describe('findLocalTransformersModel', () => {
  it('finds a complete org/name model and skips an incomplete one', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'footnote-find-'));
    try {
      expect(findLocalTransformersModel(directory)).toBeUndefined();
      // Sorts before test-org, so finding test-org proves the incomplete one was skipped.
      const incomplete = path.join(directory, 'broken-org', 'half-model');
      await mkdir(path.join(incomplete, 'onnx'), { recursive: true });
      await writeFile(path.join(incomplete, 'config.json'), '{}');
      await writeFile(path.join(incomplete, 'onnx', 'model.onnx'), '');
      expect(findLocalTransformersModel(directory)).toBeUndefined();

      await writeTinyBertModel(directory, TINY_BERT_MODEL_ID);
      expect(findLocalTransformersModel(directory)).toBe(TINY_BERT_MODEL_ID);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('finds a model one level deep and tolerates a missing folder', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'footnote-find-'));
    try {
      await writeTinyBertModel(directory, 'solo-model');
      expect(findLocalTransformersModel(directory)).toBe('solo-model');
      const solo = await createTransformersEmbedder({ modelId: 'solo-model', modelsDirectory: directory });
      expect(solo.dimensions).toBe(TINY_BERT_HIDDEN_SIZE);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    expect(findLocalTransformersModel(path.join(directory, 'does-not-exist'))).toBeUndefined();
  });
});

runEmbedderContract('TransformersEmbedder (tiny BERT)', () =>
  createTransformersEmbedder({ modelId: TINY_BERT_MODEL_ID, modelsDirectory, maxBatchSize: 3 }),
);

describe('offline', () => {
  it('loads a local model and embeds with it, and refuses a missing one, without any network request', async () => {
    const before = fetchCalls.length;
    const local = await createTransformersEmbedder({ modelId: 'test-org/bge-tiny', modelsDirectory });
    const [vector] = await local.embed(['offline check'], { kind: 'query' });
    expect(vector).toHaveLength(TINY_BERT_HIDDEN_SIZE);
    await expect(
      createTransformersEmbedder({ modelId: 'test-org/never-downloaded', modelsDirectory }),
    ).rejects.toMatchObject({ code: 'model_files_missing' });
    expect(fetchCalls.slice(before)).toEqual([]);
  });
});
