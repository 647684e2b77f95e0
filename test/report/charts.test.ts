import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChart, renderSvg } from '../../src/report/charts.js';

/** The y-axis tick labels of a rendered chart (the texts that look like percentages). */
function percentLabels(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*%)<\/text>/g)].map((m) => m[1]!);
}

test('percentage axes never repeat a tick label (small and large ranges)', async () => {
  for (const top of [0.004, 0.027, 0.043, 0.6]) {
    const values = [{ model: 'a', drop: top }, { model: 'b', drop: top / 2 }, { model: 'c', drop: top / 5 }];
    const svg = await renderSvg(barChart(values, { x: 'model', y: 'drop', title: 't', xTitle: 'm', yTitle: 'drop', format: '.0%' }));
    const labels = percentLabels(svg);
    assert.ok(labels.length >= 2, `range ${top}: ${labels.length} tick labels`);
    assert.equal(new Set(labels).size, labels.length, `range ${top}: repeated ticks ${labels.join(' ')}`);
  }
});
