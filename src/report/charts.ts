import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import sharp from 'sharp';

/** A vega-lite chart rendered headless (no canvas, no browser): vega-lite → vega → SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG of an SVG (sharp rasterises it; density 144 = 2x). */
export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
}

type Values = Array<Record<string, unknown>>;
const base = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', background: 'white', config: { font: 'sans-serif' } } as const;

/**
 * Axis options for a formatted quantitative field. A percentage axis gets explicit ticks at a
 * 1/2/5·10^k step (at most 8 of them) and exactly the decimals that step needs, so ticks never
 * repeat a label (".0%" over 0–4 % used to print 0%, 1%, 1%, 2%, …).
 */
export function axisFor(values: Values, field: string, format: string | undefined): Record<string, unknown> {
  if (!format) return {};
  if (!format.endsWith('%')) return { format };
  const max = Math.max(0, ...values.map((v) => Math.abs(Number(v[field]) || 0)));
  if (max === 0) return { format };
  const pow = 10 ** Math.floor(Math.log10(max / 8));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => max / s <= 8)!;
  const decimals = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9));
  const ticks = Array.from({ length: Math.floor(max / step + 1e-9) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { format: `.${decimals}%`, values: ticks };
}

export function barChart(values: Values, o: { x: string; y: string; title: string; xTitle: string; yTitle: string; format?: string }): TopLevelSpec {
  return {
    ...base,
    title: o.title,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: o.x, type: 'nominal', sort: '-y', title: o.xTitle, axis: { labelAngle: -30 } },
      y: { field: o.y, type: 'quantitative', title: o.yTitle, axis: axisFor(values, o.y, o.format) },
    },
    width: 420,
    height: 260,
  } as TopLevelSpec;
}

export function lineChart(
  values: Values,
  o: { x: string; y: string; color: string; dash?: string; title: string; xTitle: string; yTitle: string; yFormat?: string; xType?: 'quantitative' | 'ordinal' },
): TopLevelSpec {
  return {
    ...base,
    title: o.title,
    data: { values },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: o.x, type: o.xType ?? 'quantitative', title: o.xTitle },
      y: { field: o.y, type: 'quantitative', title: o.yTitle, axis: axisFor(values, o.y, o.yFormat) },
      color: { field: o.color, type: 'nominal' },
      ...(o.dash ? { strokeDash: { field: o.dash, type: 'nominal' } } : {}),
    },
    width: 420,
    height: 260,
  } as TopLevelSpec;
}

export function groupedBarChart(values: Values, o: { x: string; y: string; group: string; title: string; yTitle: string; yFormat?: string }): TopLevelSpec {
  return {
    ...base,
    title: o.title,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: o.x, type: 'nominal', title: null, axis: { labelAngle: -30 } },
      xOffset: { field: o.group },
      y: { field: o.y, type: 'quantitative', title: o.yTitle, axis: axisFor(values, o.y, o.yFormat) },
      color: { field: o.group, type: 'nominal' },
    },
    width: 480,
    height: 260,
  } as TopLevelSpec;
}
