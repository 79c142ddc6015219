import { analyze } from '../text/index.js';

/**
 * The kind of thing a question asks for. Typed kinds (all but `reason`, `manner` and `none`) are
 * answered by a span of that kind in the answering sentence.
 */
export type ExpectedType =
  | 'person'
  | 'organization'
  | 'place'
  | 'date'
  | 'time'
  | 'number'
  | 'money'
  | 'percent'
  | 'measure'
  | 'duration'
  | 'name'
  | 'reason'
  | 'manner'
  | 'none';

/** What a question asks for and about what. */
export interface QuestionAnalysis {
  type: ExpectedType;
  /** Analysed terms of the question, in order. */
  terms: string[];
  /**
   * Terms of the topic the question names: its proper names, numbers and quoted words
   * ("Softbank" in "Who founded Softbank?").
   */
  topic: Set<string>;
  /** The rest of its content terms: what it asks about the topic ("found"). */
  focus: Set<string>;
}

/** Head nouns of "what/which X" and the answer type they ask for (general English, not per question). */
const HEAD_NOUNS: Array<[ExpectedType, RegExp]> = [
  ['percent', /^(percentage|percent|proportion|share|fraction|rate)s?$/],
  [
    'money',
    /^(price|cost|fee|fine|salary|wage|budget|revenue|profit|sum|amount of money|fortune|valuation)s?$/,
  ],
  [
    'measure',
    /^(height|length|width|depth|distance|weight|size|area|speed|temperature|elevation|altitude|mass|volume|capacity|diameter|radius)s?$/,
  ],
  ['duration', /^(duration|period|length of time)s?$/],
  ['date', /^(year|date|day|month|century|decade|era|season|birthday|anniversary)s?$/],
  ['time', /^(time|hour)s?$/],
  ['number', /^(number|amount|quantity|total|figure|score|margin|age|population|count|rank|ranking)s?$/],
  [
    'place',
    /^(country|countries|city|cities|town|nation|place|region|state|capital|continent|province|county|island|river|mountain|location|area|venue|stadium|district|village|port|site|street|neighbo(u)?rhood)s?$/,
  ],
  [
    'organization',
    /^(firm|company|companies|organi[sz]ation|agency|newspaper|bank|group|party|team|club|band|label|university|college|school|network|channel|broadcaster|airline|carrier|manufacturer|maker|publisher|studio|union|institution|charity|department|ministry|body|association|league|council|court|court|government|department|brand|retailer|operator|provider|giant|rival|side|squad)s?$/,
  ],
  [
    'person',
    /^(person|people|man|men|woman|women|leader|official|minister|president|spokes\w+|ambassador|envoy|lawyer|candidate|diplomat|secretary|king|queen|player|actor|actress|singer|author|writer|director|founder|chairman|chief|boss|coach|manager|striker|captain|winner|star|artist|composer|scientist|politician|mp|chancellor|premier|emperor|pope|general|philosopher|inventor|architect|presenter|host|executive|owner|designer|champion|rapper|musician|judge|member|son|daughter|wife|husband|father|mother|brother|sister)s?$/,
  ],
];

const MONEY_VERBS =
  /\b(cost|costs|pay|paid|pays|worth|spend|spent|price|earn|earned|earns|raise|raised|sold|sell|bought|buy|fund|funding|invest|invested|charge|charged|owe|owed|lose|lost|borrow|borrowed|fined|budget|salary|\$|£|€|dollars?|pounds?|euros?)\b/;

/**
 * Reads the expected answer type from the wh-phrase and its head noun, and splits the
 * question's content terms into topic (named) and focus (asked about).
 *
 * @example
 * analyzeQuestion('Who founded Softbank?') // → { type: 'person', topic: {'softbank'}, focus: {'found'}, … }
 */
export function analyzeQuestion(question: string): QuestionAnalysis {
  const terms = analyze(question);
  const topic = new Set<string>();
  for (const phrase of namedPhrases(question)) for (const term of analyze(phrase)) topic.add(term);
  const focus = new Set(terms.filter((term) => !topic.has(term)));
  return { type: expectedType(question), terms, topic, focus };
}

/** The answer type from the wh-phrase ("how many", "when", "which company"…). */
export function expectedType(question: string): ExpectedType {
  const lower = question.toLowerCase().replace(/[’]/g, "'");
  if (/\bhow old\b|\bwhat age\b|\bat what age\b/.test(lower)) return 'number';
  // "How much did X pay" asks for money; "how much paid holiday" for a quantity of the noun.
  if (/\bhow much\b/.test(lower))
    return /\bhow much (?:money\b|(?:did|does|do|is|was|are|were|will|would|has|have|had|can|could)\b)/.test(
      lower,
    ) && MONEY_VERBS.test(lower)
      ? 'money'
      : 'number';
  if (/\bhow many\b/.test(lower)) return 'number';
  if (/\bhow long\b/.test(lower))
    return /\bhow long (is|was|are|were) (the|a|an)\b/.test(lower) ? 'measure' : 'duration';
  if (/\bhow (tall|high|far|wide|deep|heavy|big|large|fast|long|hot|cold|thick|low)\b/.test(lower))
    return 'measure';
  if (/\bhow often\b/.test(lower)) return 'number';
  if (/\bwhen\b|\bwhat time\b/.test(lower)) return /\bwhat time\b/.test(lower) ? 'time' : 'date';
  if (/\bwhere\b/.test(lower)) return 'place';
  if (/\bwho(m|se)?\b/.test(lower)) return 'person';
  if (/\bwhy\b|\bwhat (was|is|were|are) the (reason|cause|purpose)s?\b|\bfor what reason\b/.test(lower))
    return 'reason';
  if (
    /\b(called|named|dubbed|known as|nicknamed|titled)\s*\??$|\bwhat (is|was|are|were) the names?\b/.test(
      lower,
    )
  )
    return 'name';
  const head = /\b(?:what|which)\s+(?:\w+\s+)?(?:of\s+)?/.exec(lower);
  if (head) {
    const after = lower.slice(head.index).match(/\b(?:what|which)\s+(\w+)(?:\s+(\w+))?/);
    for (const word of [after?.[1], after?.[2]]) {
      if (!word) continue;
      for (const [type, pattern] of HEAD_NOUNS) if (pattern.test(word)) return type;
    }
    // "what is the population of…", "what was the score…": the noun after the copula.
    const copula = /\bwhat (?:is|was|are|were) (?:the|a|an) (\w+)/.exec(lower);
    if (copula?.[1]) for (const [type, pattern] of HEAD_NOUNS) if (pattern.test(copula[1])) return type;
  }
  if (/^\s*how\b/.test(lower)) return 'manner';
  if (
    /^\s*(which|what)\s+\w+/.test(lower) &&
    !/^\s*what (is|was|are|were|does|did|do|has|have|had|will|would|can|could)\b/.test(lower)
  )
    return 'name';
  return 'none';
}

/** Types whose answer is a span of a recognisable kind in the sentence. */
export function isFactoid(type: ExpectedType): boolean {
  return type !== 'reason' && type !== 'manner' && type !== 'none';
}

/**
 * Proper-name phrases of a question: capitalised words other than the first word (unless it is
 * not a question word), numbers, and quoted text.
 */
function namedPhrases(question: string): string[] {
  const phrases: string[] = [];
  for (const match of question.matchAll(/["“‘]([^"”’]{2,})["”’]/g)) phrases.push(match[1]!);
  const words = question.split(/\s+/);
  words.forEach((raw, index) => {
    const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    if (word.length === 0) return;
    if (/^\p{N}/u.test(word)) phrases.push(word);
    else if (/^\p{Lu}/u.test(word) && (index > 0 || !WH_START.test(word))) {
      if (index === 0 && word.length <= 3) return;
      phrases.push(word);
    }
  });
  return phrases;
}

const WH_START =
  /^(what|which|who|whom|whose|when|where|why|how|in|on|at|to|for|by|from|with|of|during|after|before|is|was|are|were|do|does|did|can|could|has|have|had|will|would|should|the|a|an|name|list|tell|give|according|besides|along|other|apart|since|as|about|under|over|between|among)$/i;
