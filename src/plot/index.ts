export {
  escapeXml,
  frameParts,
  legendParts,
  niceCeiling,
  type PlotFrame,
  type PlotMargin,
  svgDocument,
} from './svg-plot.js';
