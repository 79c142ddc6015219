/** One corpus on the latency plot. */
export interface LatencyPoint {
  label: string;
  chunks: number;
  p50Ms: number;
  p95Ms: number;
}

const WIDTH = 560;
const HEIGHT = 340;
const MARGIN = { left: 58, right: 40, top: 36, bottom: 52 };

/**
 * A small standalone SVG: answer latency (p50 and p95) against corpus size in chunks, with a
 * logarithmic x axis so a 5-file corpus and a 7,600-file one fit side by side.
 */
export function latencyPlotSvg(
  points: LatencyPoint[],
  title = 'In-process /api/ask latency against corpus size',
): string {
  const sorted = [...points].sort((left, right) => left.chunks - right.chunks);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;

  const minChunks = Math.min(...sorted.map((point) => point.chunks));
  const maxChunks = Math.max(...sorted.map((point) => point.chunks));
  const lowDecade = Math.floor(Math.log10(Math.max(1, minChunks)));
  const highDecade = Math.max(lowDecade + 1, Math.ceil(Math.log10(Math.max(1, maxChunks))));
  const x = (chunks: number) =>
    MARGIN.left + ((Math.log10(Math.max(1, chunks)) - lowDecade) / (highDecade - lowDecade)) * plotWidth;

  const maxMs = niceCeiling(Math.max(1, ...sorted.map((point) => point.p95Ms)));
  const y = (ms: number) => MARGIN.top + plotHeight - (ms / maxMs) * plotHeight;

  const parts: string[] = [];
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  );

  // Axes, grid and ticks.
  const yTicks = 5;
  for (let tick = 0; tick <= yTicks; tick++) {
    const ms = (maxMs / yTicks) * tick;
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y(ms) + 4}" text-anchor="end" font-size="11">${format(ms)}</text>`,
    );
  }
  for (let decade = lowDecade; decade <= highDecade; decade++) {
    const value = 10 ** decade;
    parts.push(
      `<line x1="${x(value)}" x2="${x(value)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${x(value)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle" font-size="11">${value.toLocaleString('en-US')}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`,
  );
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`,
  );
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle" font-size="12">corpus size (chunks, log scale)</text>`,
  );
  parts.push(
    `<text x="16" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${MARGIN.top + plotHeight / 2})">latency (ms)</text>`,
  );

  // One line per percentile, a labelled dot per corpus.
  const series = [
    { name: 'p95', color: '#d9534f', value: (point: LatencyPoint) => point.p95Ms },
    { name: 'p50', color: '#337ab7', value: (point: LatencyPoint) => point.p50Ms },
  ];
  for (const line of series) {
    const coordinates = sorted
      .map((point) => `${x(point.chunks).toFixed(1)},${y(line.value(point)).toFixed(1)}`)
      .join(' ');
    parts.push(`<polyline points="${coordinates}" fill="none" stroke="${line.color}" stroke-width="2"/>`);
    for (const point of sorted)
      parts.push(
        `<circle cx="${x(point.chunks).toFixed(1)}" cy="${y(line.value(point)).toFixed(1)}" r="3.5" fill="${line.color}"/>`,
      );
  }
  // Each label goes to the first free slot: above the p95 dot, below the p50 dot, then higher up.
  // Dots count as taken (as if a label sat on them), so a label never hides one.
  const placed = sorted.flatMap((point) =>
    [point.p50Ms, point.p95Ms].map((ms) => ({
      left: x(point.chunks) - 4,
      right: x(point.chunks) + 4,
      y: y(ms) + 4,
    })),
  );
  for (const point of sorted) {
    const pointX = x(point.chunks);
    const halfWidth = point.label.length * 2.8;
    const slots = [y(point.p95Ms) - 9, y(point.p50Ms) + 18, y(point.p95Ms) - 23, y(point.p50Ms) + 32];
    const free = (slot: number) =>
      placed.every(
        (box) =>
          box.right < pointX - halfWidth || box.left > pointX + halfWidth || Math.abs(box.y - slot) >= 13,
      );
    const labelY = slots.find(free) ?? slots[0]!;
    placed.push({ left: pointX - halfWidth, right: pointX + halfWidth, y: labelY });
    parts.push(
      `<text x="${pointX.toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10" fill="#333" stroke="white" stroke-width="3" paint-order="stroke">${escapeXml(point.label)}</text>`,
    );
  }
  series.forEach((line, index) => {
    const top = MARGIN.top + 8 + index * 16;
    parts.push(
      `<line x1="${MARGIN.left + 12}" x2="${MARGIN.left + 32}" y1="${top}" y2="${top}" stroke="${line.color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${MARGIN.left + 38}" y="${top + 4}" font-size="11">${line.name}</text>`);
  });

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}

/** The smallest of 1, 2, 2.5, 5 × 10^n that is at least `value`, so the y ticks are round. */
function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function format(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
