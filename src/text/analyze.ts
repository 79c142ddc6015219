import stem from 'wink-porter2-stemmer';

/** Common English function words; they carry no topic and would dominate BM25's term counts. */
export const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other
our ours ourselves out over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves s t`.split(/\s+/),
);

const WORD = /[\p{L}\p{N}]+/gu;
const stemCache = new Map<string, string>();

/**
 * The lexical analyzer shared by indexing and querying: accents folded (so "Fénix" typed with one
 * precomposed character matches a file that spells it with a combining mark), lowercase
 * letter/digit runs, stop words removed, Porter2 stems ("talks", "talked" → "talk").
 */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  for (const match of folded.replace(/[’']s\b/g, '').matchAll(WORD)) {
    const word = match[0];
    if (STOP_WORDS.has(word)) continue;
    let stemmed = stemCache.get(word);
    if (stemmed === undefined) {
      stemmed = stem(word);
      if (stemCache.size < 200_000) stemCache.set(word, stemmed);
    }
    terms.push(stemmed);
  }
  return terms;
}
