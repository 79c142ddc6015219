import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import type model from 'wink-eng-lite-web-model';
import type winkNLP from 'wink-nlp';
import { analyze } from '../text/index.js';
import type { ExpectedType } from './question-analysis.js';

/** The kind of a span found in a sentence. */
export type SpanType =
  | 'date'
  | 'time'
  | 'number'
  | 'ordinal'
  | 'money'
  | 'percent'
  | 'duration'
  | 'measure'
  | 'name';

/** A typed span of a sentence; offsets are relative to the sentence text. */
export interface TypedSpan {
  type: SpanType;
  start: number;
  end: number;
  text: string;
}

type WinkNlp = ReturnType<typeof winkNLP>;
let nlp: WinkNlp | undefined;

function getNlp(): WinkNlp {
  if (!nlp) {
    const require = createRequire(import.meta.url);
    const load = require('wink-nlp') as typeof winkNLP;
    nlp = load(require('wink-eng-lite-web-model') as typeof model, ['pos', 'ner']);
  }
  return nlp;
}

const ENTITY_TYPES: Record<string, SpanType> = {
  DATE: 'date',
  TIME: 'time',
  CARDINAL: 'number',
  ORDINAL: 'ordinal',
  MONEY: 'money',
  PERCENT: 'percent',
  DURATION: 'duration',
};

/** Units that make a number a measure ("3 km", "40 feet", "100 mph"). */
const UNITS =
  /^(km|kms|kilometres?|kilometers?|m|metres?|meters?|cm|mm|miles?|mi|ft|feet|foot|inch|inches|in|yards?|kg|kilograms?|g|grams?|tonnes?|tons?|lb|lbs|pounds?|ounces?|oz|litres?|liters?|gallons?|acres?|hectares?|ha|sq|square|cubic|degrees?|°|°c|°f|mph|km\/h|kph|knots?|mw|gw|kw|kwh|watts?|volts?|hz|mhz|ghz|gb|mb|tb|bytes?|storeys?|stories|floors?)$/i;

const SCALE = '(?:bn|m|k|tn|billion|million|thousand|trillion)';
/** Money and percentages in the forms news text writes them. */
const PATTERNS: Array<[SpanType, RegExp]> = [
  ['money', new RegExp(`[$£€¥]\\s?\\d[\\d,.]*(?:\\s?${SCALE}\\b)?`, 'g')],
  [
    'money',
    new RegExp(`\\b\\d[\\d,.]*(?:\\s?${SCALE})?\\s(?:dollars|pounds|euros|yen|yuan|rupees|francs)\\b`, 'gi'),
  ],
  ['percent', /\b\d[\d,.]*\s?(?:%|per\s?cent\b|percent\b)/gi],
];

/** Words that begin a sentence in capitals without being a name. */
const NOT_NAME_WORDS = new Set(
  'the a an but and as it he she they we i this that these those in on at after last meanwhile finally however instead initially like once for mr mrs ms dr his her their its our my one two there here when while if so yet'.split(
    ' ',
  ),
);

/**
 * Typed spans of a sentence: wink-nlp's entities (dates, times, numbers, money, percentages,
 * durations), numbers followed by a unit (measures) and runs of proper nouns from its
 * part-of-speech tags (names).
 */
export function typedSpans(sentence: string): TypedSpan[] {
  let spans = spanCache.get(sentence);
  if (!spans) {
    spans = findSpans(sentence);
    spanCache.set(sentence, spans);
  }
  return spans;
}

/** Sentences recently analysed: the same articles' sentences come back question after question. */
const spanCache = new LRUCache<string, TypedSpan[]>({ max: 20_000 });

function findSpans(sentence: string): TypedSpan[] {
  const nlp = getNlp();
  const { its } = nlp;
  const document = nlp.readDoc(sentence);
  const values = document.tokens().out(its.value) as string[];
  const tags = document.tokens().out(its.pos) as string[];
  // Character offsets of each token: wink keeps tokens in order, so each is found after the last.
  const starts: number[] = [];
  let cursor = 0;
  for (const value of values) {
    const found = sentence.indexOf(value, cursor);
    starts.push(found < 0 ? cursor : found);
    if (found >= 0) cursor = found + value.length;
  }
  const endOf = (token: number) => (starts[token] ?? 0) + (values[token]?.length ?? 0);
  const spans: TypedSpan[] = [];
  const push = (type: SpanType, first: number, last: number) => {
    const start = starts[first] ?? 0;
    const end = endOf(last);
    if (end > start) spans.push({ type, start, end, text: sentence.slice(start, end) });
  };
  document.entities().each((entity: ReturnType<ReturnType<typeof document.entities>['itemAt']>) => {
    const type = ENTITY_TYPES[entity.out(its.type) as string];
    if (!type) return;
    const [first, last] = entity.out(its.span) as unknown as [number, number];
    const unit = values[last + 1];
    if ((type === 'number' || type === 'money') && unit && UNITS.test(unit)) push('measure', first, last + 1);
    else push(type, first, last);
  });
  // News spellings wink's entities miss ("£40m", "$14.2bn", "3.5 per cent") replace what they overlap.
  for (const [type, pattern] of PATTERNS)
    for (const match of sentence.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      for (let index = spans.length - 1; index >= 0; index--)
        if (spans[index]!.start < end && start < spans[index]!.end) spans.splice(index, 1);
      spans.push({ type, start, end, text: match[0] });
    }
  // Runs of proper nouns (with "of", "de", "al-" inside): people, places, organisations, titles.
  let runStart = -1;
  const closeRun = (end: number) => {
    if (runStart < 0) return;
    let first = runStart;
    while (first < end && NOT_NAME_WORDS.has(values[first]!.toLowerCase())) first++;
    if (first < end) push('name', first, end - 1);
    runStart = -1;
  };
  tags.forEach((tag, index) => {
    const value = values[index]!;
    const proper = tag === 'PROPN' && /^\p{Lu}/u.test(value);
    const joiner =
      runStart >= 0 && /^(of|de|da|van|von|al|bin|the|&|-)$/i.test(value) && tags[index + 1] === 'PROPN';
    if (proper || joiner) {
      if (runStart < 0) runStart = index;
    } else closeRun(index);
  });
  closeRun(tags.length);
  return spans;
}

/** Span types that can answer a question of each type. */
const ANSWERS: Partial<Record<ExpectedType, ReadonlySet<SpanType>>> = {
  person: new Set(['name']),
  organization: new Set(['name']),
  place: new Set(['name']),
  name: new Set(['name']),
  date: new Set(['date', 'time', 'number']),
  time: new Set(['time', 'date']),
  number: new Set(['number', 'money', 'percent', 'measure', 'ordinal', 'duration']),
  money: new Set(['money', 'number']),
  percent: new Set(['percent', 'number']),
  measure: new Set(['measure', 'number']),
  duration: new Set(['duration', 'date', 'number']),
};

/** True when a span of this kind can answer a question of that type ("date" for "when"). */
export function answersType(type: ExpectedType, span: TypedSpan): boolean {
  const accepted = ANSWERS[type];
  if (!accepted?.has(span.type)) return false;
  // A bare number answers "when" only as a year.
  if (type === 'date' && span.type === 'number') return /^(1[0-9]|20)\d{2}$/.test(span.text.trim());
  return true;
}

/**
 * The spans of a sentence that answer a question of `type` and are not already in the question
 * (the name the question asks about is not its answer), best first: the exact kind before a
 * looser one (money before a bare number), then the one nearest the question's words in the
 * sentence (`anchors`: their character offsets), since the answer stands next to what is asked.
 */
export function answerSpans(
  type: ExpectedType,
  spans: TypedSpan[],
  questionTerms: ReadonlySet<string>,
  anchors: number[] = [],
): TypedSpan[] {
  const exact = new Set<SpanType>(
    type === 'person' || type === 'organization' || type === 'place' ? ['name'] : [type as SpanType],
  );
  const distance = (span: TypedSpan) =>
    Math.min(
      Number.POSITIVE_INFINITY,
      ...anchors.map((at) => (at < span.start ? span.start - at : at > span.end ? at - span.end : 0)),
    );
  return spans
    .filter((span) => answersType(type, span))
    .filter((span) => {
      const terms = analyze(span.text);
      return terms.length > 0
        ? terms.some((term) => !questionTerms.has(term))
        : !questionTerms.has(span.text);
    })
    .sort(
      (a, b) =>
        Number(exact.has(b.type)) - Number(exact.has(a.type)) ||
        distance(a) - distance(b) ||
        a.start - b.start,
    );
}
