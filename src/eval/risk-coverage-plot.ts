import { escapeXml, frameParts, legendParts, svgDocument } from '../plot/index.js';
import type { CurvePoint } from './metrics.js';

/** One curve on the plot, e.g. one evaluation run. */
export interface RiskCoverageSeries {
  label: string;
  /** Highest confidence first, as `selectiveAnswering` returns it. */
  points: CurvePoint[];
}

const WIDTH = 560;
const HEIGHT = 360;
const MARGIN = { left: 58, right: 30, top: 48, bottom: 52 };
const COLORS = ['#337ab7', '#d9534f', '#5cb85c', '#f0ad4e'];

/**
 * A small standalone SVG of selective answering: precision (share of answered questions that
 * are right) against coverage (share of all questions answered) as the confidence threshold
 * falls, one step curve per series, a dashed line at precision 0.9 and a dot where each curve
 * ends (what the system's own refusals give).
 */
export function riskCoveragePlotSvg(series: RiskCoverageSeries[], title: string, subtitle = ''): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (coverage: number) => MARGIN.left + coverage * plotWidth;
  const y = (precision: number) => MARGIN.top + plotHeight - precision * plotHeight;
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const parts = frameParts({
    width: WIDTH,
    height: HEIGHT,
    margin: MARGIN,
    title,
    xLabel: 'coverage (share of all questions answered)',
    yLabel: 'precision (share of answers right)',
    xTicks: ticks.map((value) => ({ x: x(value), label: value.toFixed(1) })),
    yTicks: ticks.map((value) => ({ y: y(value), label: value.toFixed(1) })),
  });
  if (subtitle !== '')
    parts.push(
      `<text x="${WIDTH / 2}" y="36" text-anchor="middle" font-size="11" fill="#555">${escapeXml(subtitle)}</text>`,
    );
  parts.push(
    `<line x1="${x(0)}" x2="${x(1)}" y1="${y(0.9)}" y2="${y(0.9)}" stroke="#888" stroke-dasharray="4 3"/>`,
  );
  for (const [index, line] of series.entries()) {
    const color = COLORS[index % COLORS.length]!;
    const first = line.points[0];
    if (!first) continue;
    // A step curve: precision holds from one coverage to the next.
    const coordinates = [`${x(0).toFixed(1)},${y(first.precision).toFixed(1)}`];
    let previous = 0;
    for (const point of line.points) {
      coordinates.push(`${x(previous).toFixed(1)},${y(point.precision).toFixed(1)}`);
      coordinates.push(`${x(point.coverage).toFixed(1)},${y(point.precision).toFixed(1)}`);
      previous = point.coverage;
    }
    parts.push(
      `<polyline points="${coordinates.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    const last = line.points.at(-1)!;
    parts.push(
      `<circle cx="${x(last.coverage).toFixed(1)}" cy="${y(last.precision).toFixed(1)}" r="4" fill="${color}"/>`,
    );
  }
  parts.push(
    ...legendParts(
      [
        ...series.map((line, index) => ({ name: line.label, color: COLORS[index % COLORS.length]! })),
        { name: 'precision 0.9', color: '#888', dashed: true },
        { name: '● the system’s own refusals', color: 'none' },
      ],
      MARGIN.left + 12,
      HEIGHT - MARGIN.bottom - 16 * (series.length + 2) + 4,
    ),
  );
  return svgDocument(WIDTH, HEIGHT, parts);
}
