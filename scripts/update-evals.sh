#!/usr/bin/env bash
# Regenerates every evaluation run behind EVALS.md, with the offline GloVe embedder:
# - issue 14's reporting halves (`--split report`, hybrid): SQuAD v1.1 part A, SQuAD part A
#   `--holdout`, evals/bbc-questions.jsonl over the BBC articles, evals/corpus-questions.jsonl;
#   each also draws its risk-coverage curve to evals/curves/<name>.svg;
# - the whole corpus question set and the whole SQuAD part A, each with the hybrid, bm25 and dense
#   retrievers.
# It writes the reports to evals/results/ and rewrites the figures section of EVALS.md from them.
#
#   scripts/update-evals.sh                  # everything: 14 min on 2026-11-29 with the 2 cores shared by
#                                            # several engineers; the three whole-SQuAD runs, most of it,
#                                            # took 31 s each on a quiet machine (2026-11-22)
#   SQUAD_FILE=path/to/dev.json BBC_DIR=path/to/bbc/articles scripts/update-evals.sh
#
# Settings from the environment (FOOTNOTE_GROUNDING_THRESHOLD, ...) apply as in any footnote run
# and are recorded in each report's `config`.
set -euo pipefail
cd "$(dirname "$0")/.."

squad_file="${SQUAD_FILE:-../shared/datasets/squad/dev-v1.1-part-a.json}"
bbc_dir="${BBC_DIR:-../shared/datasets/bbc/articles}"
results=evals/results
curves=evals/curves
mkdir -p "$results" "$curves"
durations="$results/durations-ms.json"
commands="$results/commands.json"

npm run build --silent >/dev/null

echo "{" > "$durations.tmp"
echo "{" > "$commands.tmp"
separator=""
# run NAME ARGS...: one footnote run, its report in evals/results/NAME.json; the time it took and
# the exact command go to durations-ms.json and commands.json for EVALS.md.
run() {
  local name="$1"
  shift
  local command="node bin/footnote.js $* --json $results/$name.json"
  echo "== $command" >&2
  local started
  started=$(date +%s%N)
  node bin/footnote.js "$@" --json "$results/$name.json"
  printf '%s  "%s": %d' "$separator" "$name" $((($(date +%s%N) - started) / 1000000)) >> "$durations.tmp"
  printf '%s  "%s": "%s"' "$separator" "$name" "$command" >> "$commands.tmp"
  separator=$',\n'
}

# Issue 14: the reporting halves, each with its risk-coverage curve.
run squad-part-a-report eval --squad "$squad_file" --split report --embedder glove \
  --curve "$curves/squad-part-a-report.svg"
run squad-part-a-holdout-report eval --squad "$squad_file" --holdout --split report --embedder glove \
  --curve "$curves/squad-part-a-holdout-report.svg"
run bbc-questions-report eval evals/bbc-questions.jsonl --corpus "$bbc_dir" --split report --embedder glove \
  --curve "$curves/bbc-questions-report.svg"
run corpus-questions-report eval evals/corpus-questions.jsonl --split report --embedder glove \
  --curve "$curves/corpus-questions-report.svg"

for retriever in hybrid bm25 dense; do
  run "corpus-questions-$retriever" eval evals/corpus-questions.jsonl --embedder glove --retriever "$retriever"
done
for retriever in hybrid bm25 dense; do
  run "squad-part-a-$retriever" eval --squad "$squad_file" --embedder glove --retriever "$retriever"
done
printf '\n}\n' >> "$durations.tmp"
printf '\n}\n' >> "$commands.tmp"
mv "$durations.tmp" "$durations"
mv "$commands.tmp" "$commands"

node scripts/evals-markdown.mjs "$results" EVALS.md
echo "updated EVALS.md from $results/" >&2
