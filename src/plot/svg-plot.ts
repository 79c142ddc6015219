/**
 * The pieces every small standalone SVG plot of Footnote shares (the latency plot of `bench`,
 * the risk-coverage curves of `eval`): a frame with title, grid, ticks and axis labels, a legend,
 * and the document around them.
 */

/** Space around the plotting area, in pixels. */
export interface PlotMargin {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A plot's size, labels and ticks; tick positions are already in pixels. */
export interface PlotFrame {
  width: number;
  height: number;
  margin: PlotMargin;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Vertical grid lines with their labels under the x axis. */
  xTicks: Array<{ x: number; label: string }>;
  /** Horizontal grid lines with their labels left of the y axis. */
  yTicks: Array<{ y: number; label: string }>;
}

/** Background, title, grid lines, tick labels, both axes and the axis labels, as SVG elements. */
export function frameParts(frame: PlotFrame): string[] {
  const { width, height, margin } = frame;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const bottom = margin.top + plotHeight;
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(frame.title)}</text>`,
  );
  for (const tick of frame.yTicks) {
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${tick.y}" y2="${tick.y}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${margin.left - 6}" y="${tick.y + 4}" text-anchor="end" font-size="11">${escapeXml(tick.label)}</text>`,
    );
  }
  for (const tick of frame.xTicks) {
    parts.push(`<line x1="${tick.x}" x2="${tick.x}" y1="${margin.top}" y2="${bottom}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${tick.x}" y="${bottom + 16}" text-anchor="middle" font-size="11">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${bottom}" y2="${bottom}" stroke="black"/>`,
  );
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${bottom}" stroke="black"/>`,
  );
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 12}" text-anchor="middle" font-size="12">${escapeXml(frame.xLabel)}</text>`,
  );
  parts.push(
    `<text x="16" y="${margin.top + plotHeight / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${margin.top + plotHeight / 2})">${escapeXml(frame.yLabel)}</text>`,
  );
  return parts;
}

/** A legend: one short line in each series' colour and its name, stacked from (`left`, `top`). */
export function legendParts(
  entries: Array<{ name: string; color: string; dashed?: boolean }>,
  left: number,
  top: number,
): string[] {
  return entries.flatMap((entry, index) => {
    const y = top + index * 16;
    const dash = entry.dashed ? ' stroke-dasharray="4 3"' : '';
    return [
      `<line x1="${left}" x2="${left + 20}" y1="${y}" y2="${y}" stroke="${entry.color}" stroke-width="2"${dash}/>`,
      `<text x="${left + 26}" y="${y + 4}" font-size="11">${escapeXml(entry.name)}</text>`,
    ];
  });
}

/** The standalone SVG document holding `parts`. */
export function svgDocument(width: number, height: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}

/** The smallest of 1, 2, 2.5, 5 × 10^n that is at least `value`, so the ticks are round. */
export function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** Text safe inside an SVG element. */
export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
