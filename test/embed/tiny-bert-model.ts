/**
 * Writes a tiny BERT-like model that transformers.js loads exactly like a real one from the
 * Hugging Face hub: `config.json`, a WordPiece `tokenizer.json`, `tokenizer_config.json` and an
 * ONNX graph with BERT's input and output names. The weights are seeded random numbers, so the
 * vectors mean nothing; the model proves the loading and embedding code path without a download.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Width of every vector the tiny model produces. */
export const TINY_BERT_HIDDEN_SIZE = 32;

/** The model id the tests use; any `org/name` works. */
export const TINY_BERT_MODEL_ID = 'test-org/tiny-bert';

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const COMMON_WORDS = `the of and to in is it you that he was for on are with as his they be at one have this
from or had by hot word but what some we can out other were all there when up use your how said an each she
which do their time if will way about many then them write would like so these her long make thing see him two
has look more day could go come did number sound no most people my over know water than call first who may
down side been now find any new work part take get place made live where after back little only round man year
came show every good me give our under name very through just form sentence great think say help low line differ
turn cause much mean before move right boy old too same tell does set three want air well also play small end put
home read hand port large spell add even land here must big high such follow act why ask men change went light
kind off need house picture try us again animal point mother world near build self earth father head stand own page
should country found answer school grow study still learn plant cover food sun four between state keep eye never
last let thought city tree cross farm hard start might story saw far sea draw left late run while press close night
real life few north open seem together next white children begin got walk example ease paper group always music
those both mark often letter until mile river car feet care second book carry took science eat room friend began
idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual young ready
above ever red list though feel talk bird soon body dog family direct pose leave song measure door product black short
numeral class wind question happen complete ship area half rock order fire south problem piece told knew pass since
top whole king space heard best hour better true during hundred five remember step early hold west ground interest
reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay against pattern
slow center love person money serve appear road map rain rule govern pull cold notice voice unit power town fine
certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done beauty
drive stood contain front teach week final gave green oh quick develop ocean warm free minute strong special mind
behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide surface
deep moon island foot system busy test record boat common gold possible plane stead dry wonder laugh thousand ago
ran check game shape equate miss brought heat snow tire bring yes distant fill east paint language among document
search query passage represent relevant passages answer footnote index`
  .split(/\s+/)
  .filter((word) => word.length > 0);

const PUNCTUATION = [...'.,;:!?\'"()-/'];
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

/** The vocabulary in id order: special tokens first, as in BERT. */
export function tinyBertVocabulary(): string[] {
  const tokens = [
    ...SPECIAL_TOKENS,
    ...PUNCTUATION,
    ...LETTERS,
    ...LETTERS.map((letter) => `##${letter}`),
    ...COMMON_WORDS,
  ];
  return [...new Set(tokens)];
}

/** Small deterministic PRNG (mulberry32) so every generated model has the same weights. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function floatTensor(
  name: string,
  dims: number[],
  random: () => number,
  scale: number,
): onnxProto.onnx.ITensorProto {
  const size = dims.reduce((product, dim) => product * dim, 1);
  const floatData = Array.from({ length: size }, () => (random() * 2 - 1) * scale);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData };
}

function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values };
}

function tensorValue(
  name: string,
  elemType: number,
  dims: Array<string | number>,
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) },
      },
    },
  };
}

/**
 * Encodes the ONNX graph: word and token-type embeddings (Gather), a masked mean over the sequence
 * mixed back into every position (so the `[CLS]` vector depends on the whole text, as in BERT), a
 * dense layer and a Tanh. Opset 13 and IR version 8, which onnxruntime-node 1.14 runs.
 */
export function encodeTinyBertOnnx(vocabularySize: number, seed = 42): Uint8Array {
  const hidden = TINY_BERT_HIDDEN_SIZE;
  const random = seededRandom(seed);
  const int64 = onnx.TensorProto.DataType.INT64;
  const float = onnx.TensorProto.DataType.FLOAT;
  const node = (
    opType: string,
    input: string[],
    output: string[],
    attribute: onnxProto.onnx.IAttributeProto[] = [],
  ) => ({
    opType,
    input,
    output,
    attribute,
    name: output[0] ?? opType,
  });

  const graph: onnxProto.onnx.IGraphProto = {
    name: 'tiny-bert',
    input: [
      tensorValue('input_ids', int64, ['batch_size', 'sequence_length']),
      tensorValue('attention_mask', int64, ['batch_size', 'sequence_length']),
      tensorValue('token_type_ids', int64, ['batch_size', 'sequence_length']),
    ],
    output: [tensorValue('last_hidden_state', float, ['batch_size', 'sequence_length', hidden])],
    initializer: [
      floatTensor('word_embeddings', [vocabularySize, hidden], random, 1),
      floatTensor('token_type_embeddings', [2, hidden], random, 0.1),
      floatTensor('token_weight', [hidden, hidden], random, 0.5),
      floatTensor('context_weight', [hidden, hidden], random, 0.5),
      floatTensor('bias', [hidden], random, 0.1),
      int64Tensor('axis_sequence', [1]),
      int64Tensor('axis_last', [2]),
    ],
    node: [
      node('Gather', ['word_embeddings', 'input_ids'], ['word_vectors']),
      node('Gather', ['token_type_embeddings', 'token_type_ids'], ['type_vectors']),
      node('Add', ['word_vectors', 'type_vectors'], ['embedded']),
      node(
        'Cast',
        ['attention_mask'],
        ['mask_float'],
        [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: float }],
      ),
      node('Unsqueeze', ['mask_float', 'axis_last'], ['mask_column']),
      node('Mul', ['embedded', 'mask_column'], ['masked']),
      node(
        'ReduceSum',
        ['masked', 'axis_sequence'],
        ['masked_total'],
        [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      ),
      node(
        'ReduceSum',
        ['mask_column', 'axis_sequence'],
        ['token_count'],
        [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      ),
      node('Div', ['masked_total', 'token_count'], ['context']),
      node('MatMul', ['embedded', 'token_weight'], ['token_part']),
      node('MatMul', ['context', 'context_weight'], ['context_part']),
      node('Add', ['token_part', 'context_part'], ['mixed']),
      node('Add', ['mixed', 'bias'], ['biased']),
      node('Tanh', ['biased'], ['last_hidden_state']),
    ],
  };

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'footnote-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

function tokenizerJson(vocabulary: string[]): object {
  const specialToken = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [specialToken('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, specialToken('[SEP]')],
      pair: [
        specialToken('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        specialToken('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocabulary.indexOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocabulary.indexOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
}

/** Files written per model, relative to its directory. */
export const TINY_BERT_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
  'onnx/model_quantized.onnx',
] as const;

/**
 * Writes the tiny model into `<modelsDirectory>/<modelId>/` and returns that directory.
 *
 * @example
 * const directory = await writeTinyBertModel(modelsDirectory, 'test-org/tiny-bert');
 */
export async function writeTinyBertModel(
  modelsDirectory: string,
  modelId: string = TINY_BERT_MODEL_ID,
  options: { seed?: number } = {},
): Promise<string> {
  const directory = path.join(modelsDirectory, ...modelId.split('/'));
  await mkdir(path.join(directory, 'onnx'), { recursive: true });
  const vocabulary = tinyBertVocabulary();
  const onnxBytes = encodeTinyBertOnnx(vocabulary.length, options.seed);
  const config = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: TINY_BERT_HIDDEN_SIZE,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    intermediate_size: TINY_BERT_HIDDEN_SIZE,
    hidden_act: 'gelu',
    max_position_embeddings: 128,
    type_vocab_size: 2,
    vocab_size: vocabulary.length,
    pad_token_id: 0,
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 128,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    clean_up_tokenization_spaces: true,
  };
  await Promise.all([
    writeFile(path.join(directory, 'config.json'), JSON.stringify(config, null, 2)),
    writeFile(path.join(directory, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocabulary))),
    writeFile(path.join(directory, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2)),
    writeFile(path.join(directory, 'onnx', 'model.onnx'), onnxBytes),
    writeFile(path.join(directory, 'onnx', 'model_quantized.onnx'), onnxBytes),
  ]);
  return directory;
}
