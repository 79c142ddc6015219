#!/usr/bin/env bash
# Regenerates every evaluation run behind EVALS.md: the corpus question set and SQuAD v1.1 part A,
# each with the hybrid, bm25 and dense retrievers (offline GloVe embedder), writes the reports to
# evals/results/ and rewrites the figures section of EVALS.md from them.
#
#   scripts/update-evals.sh                  # everything (about 4 minutes on 2 cores)
#   SQUAD_FILE=path/to/dev.json scripts/update-evals.sh
#
# Settings from the environment (FOOTNOTE_GROUNDING_THRESHOLD, ...) apply as in any footnote run
# and are recorded in each report's `config`.
set -euo pipefail
cd "$(dirname "$0")/.."

squad_file="${SQUAD_FILE:-../shared/datasets/squad/dev-v1.1-part-a.json}"
results=evals/results
mkdir -p "$results"
durations="$results/durations-ms.json"

npm run build --silent >/dev/null

echo "{" > "$durations.tmp"
separator=""
run() {
  local name="$1"
  shift
  echo "== footnote $*" >&2
  local started
  started=$(date +%s%N)
  node bin/footnote.js "$@" --json "$results/$name.json"
  printf '%s  "%s": %d' "$separator" "$name" $((($(date +%s%N) - started) / 1000000)) >> "$durations.tmp"
  separator=$',\n'
}

for retriever in hybrid bm25 dense; do
  run "corpus-questions-$retriever" eval evals/corpus-questions.jsonl --embedder glove --retriever "$retriever"
done
for retriever in hybrid bm25 dense; do
  run "squad-part-a-$retriever" eval --squad "$squad_file" --embedder glove --retriever "$retriever"
done
printf '\n}\n' >> "$durations.tmp"
mv "$durations.tmp" "$durations"

node scripts/evals-markdown.mjs "$results" EVALS.md
echo "updated EVALS.md from $results/" >&2
