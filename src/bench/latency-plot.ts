import { escapeXml, frameParts, legendParts, niceCeiling, svgDocument } from '../plot/index.js';

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

  const yTicks = 5;
  const parts = frameParts({
    width: WIDTH,
    height: HEIGHT,
    margin: MARGIN,
    title,
    xLabel: 'corpus size (chunks, log scale)',
    yLabel: 'latency (ms)',
    xTicks: Array.from({ length: highDecade - lowDecade + 1 }, (_, index) => {
      const value = 10 ** (lowDecade + index);
      return { x: x(value), label: value.toLocaleString('en-US') };
    }),
    yTicks: Array.from({ length: yTicks + 1 }, (_, tick) => {
      const ms = (maxMs / yTicks) * tick;
      return { y: y(ms), label: format(ms) };
    }),
  });

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
  parts.push(...legendParts(series, MARGIN.left + 12, MARGIN.top + 8));

  return svgDocument(WIDTH, HEIGHT, parts);
}

function format(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
