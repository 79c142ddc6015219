import { describe, expect, it } from 'vitest';
import { riskCoveragePlotSvg } from '../../src/eval/risk-coverage-plot.js';

describe('riskCoveragePlotSvg', () => {
  it('draws the curve as steps on coverage × precision axes, with a dot where the refusals leave it', () => {
    const svg = riskCoveragePlotSvg(
      [
        {
          label: 'hybrid',
          points: [
            { confidence: 0.9, coverage: 0.5, precision: 1 },
            { confidence: 0.4, coverage: 1, precision: 0.5 },
          ],
        },
      ],
      'set <a>: risk-coverage',
      'area 0.75',
    );
    // Plot area: x from 58 to 530 (coverage 0 → 1), y from 308 (precision 0) up to 48 (precision 1).
    expect(svg).toContain('<polyline points="58.0,48.0 58.0,48.0 294.0,48.0 294.0,178.0 530.0,178.0"');
    expect(svg).toContain('<circle cx="530.0" cy="178.0" r="4"');
    // The dashed precision-0.9 line at y = 308 − 0.9 × 260.
    expect(svg).toContain('y1="74" y2="74" stroke="#888" stroke-dasharray="4 3"');
    expect(svg).toContain('set &lt;a&gt;: risk-coverage');
    expect(svg).toContain('area 0.75');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
