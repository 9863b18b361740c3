/** Formatting of the results table (Markdown, printed as is and written to bench/results/). */

export const fmt = {
  int: (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  num: (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a'),
  ms: (n) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : 'n/a'),
  s: (n) => (Number.isFinite(n) ? `${n.toFixed(2)} s` : 'n/a'),
  mb: (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(1)} MB` : 'n/a'),
  ratio: (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a'),
};

/**
 * A row: `{id, measure, value, baseline, ratio, goal, met}`; `met` is true, false or
 * undefined (no goal). Benchmarks never fail on a slow machine: `met` is information.
 */
export function renderTable(rows) {
  const header = ['#', 'measure', 'service', 'baseline (same run)', 'ratio', 'goal'];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((h, i) => (i === 4 ? '---:' : '---')).join('|')}|`,
  ];
  for (const row of rows) {
    const mark = row.met === undefined ? '' : row.met ? ' ✅' : ' ❌';
    const cells = [
      row.id,
      row.measure,
      row.value,
      row.baseline ?? '',
      row.ratio === undefined ? '' : fmt.ratio(row.ratio),
      `${row.goal ?? ''}${mark}`,
    ];
    lines.push(`| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}
