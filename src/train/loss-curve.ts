import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { MetricsRow } from './metrics-log.js';

interface Point {
  step: number;
  series: string;
  value: number;
}

/** At most this many training points per series (evenly thinned), so the SVG stays small. */
const MAX_POINTS = 600;

/**
 * Renders the training curves as SVG (vega-lite → vega, headless): three stacked panels,
 * RD loss (log scale), bpp and PSNR, each with the training batches and the validation evaluations.
 */
export async function renderLossCurve(rows: readonly MetricsRow[], title: string): Promise<string> {
  const stride = Math.max(1, Math.ceil(rows.length / MAX_POINTS));
  const train = rows.filter((_, i) => i % stride === 0 || i === rows.length - 1);
  const val = rows.filter((r) => r.valLoss !== undefined);
  const points = (pick: Array<[string, readonly MetricsRow[], (r: MetricsRow) => number | undefined]>): Point[] =>
    pick.flatMap(([series, src, f]) =>
      src.flatMap((r) => {
        const value = f(r);
        return value !== undefined && Number.isFinite(value) ? [{ step: r.step, series, value }] : [];
      }),
    );
  const panel = (yTitle: string, data: Point[], log = false) => ({
    width: 640,
    height: 180,
    data: { values: data },
    mark: { type: 'line' as const, point: data.length < 60, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'step' },
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: log ? { type: 'log' as const } : { zero: false } },
      color: { field: 'series', type: 'nominal' as const, title: null, legend: { labelLimit: 240 } },
    },
  });
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    vconcat: [
      panel('RD loss', points([['train', train, (r) => r.loss], ['validation', val, (r) => r.valLoss]]), true),
      panel('bpp', points([
        ['train (estimated)', train, (r) => r.bpp],
        ['validation (estimated)', val, (r) => r.valBppEst],
        ['validation (real)', val, (r) => r.valBppReal],
      ])),
      panel('PSNR (dB)', points([['train', train, (r) => r.psnr], ['validation', val, (r) => r.valPsnr]])),
    ],
    resolve: { scale: { color: 'independent' } },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
