/** The RD plot: PSNR against bpp, one line per curve (vega-lite 5 → vega → SVG, headless). */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './charts.js';
import type { RdResult } from './rd-curves.js';

export function rdChartSpec(r: RdResult): TopLevelSpec {
  const values = r.points.filter((p) => p.psnr !== null).map((p) => ({ curve: p.curve, setting: p.codec, bpp: p.bpp, psnr: p.psnr }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    config: { font: 'sans-serif' },
    title: `Rate–distortion, mean over ${r.images.length} image(s)`,
    data: { values },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'bpp', type: 'quantitative', title: 'bits per pixel (real)', scale: { zero: false } },
      y: { field: 'psnr', type: 'quantitative', title: 'PSNR (dB)', scale: { zero: false } },
      color: { field: 'curve', type: 'nominal', title: 'codec' },
      order: { field: 'bpp', type: 'quantitative' },
    },
    width: 480,
    height: 320,
  } as TopLevelSpec;
}

export function rdSvg(r: RdResult): Promise<string> {
  return renderSvg(rdChartSpec(r));
}
