// Turns benchmark results into a text table and an SVG chart.
'use strict';

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));

/** Rate of a result: GFLOP/s for compute workloads, GB/s for memory-bound ones. */
function rate(r) {
  if (r.flops && !r.memoryBound) return { value: r.flops / (r.median * 1e6), unit: 'GFLOP/s' };
  if (r.bytes) return { value: r.bytes / (r.median * 1e6), unit: 'GB/s' };
  return { value: NaN, unit: '' };
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r, i) => {
    const line = r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  ');
    return i === 0 ? `${line}\n${'-'.repeat(line.length)}` : line;
  }).join('\n');
}

/**
 * One table per kind: a row per (workload, layout); a column per (peer, threads) with the median
 * ms; then convkit-native's rate, its fraction of the hardware bound, and its time over the best
 * peer's at the same thread count (< 1 means convkit is faster).
 */
function textReport(results, { peakGflops, bandwidthGBs } = {}) {
  const ok = results.filter((r) => !r.error && r.workload);
  const columns = [...new Set(ok.map((r) => `${r.peer}@${r.threads}`))];
  const out = [];
  for (const kind of ['gemm', 'conv2d', 'pool', 'training']) {
    const isBackward = (r) => r.method === 'convBackward' || r.method === 'train';
    const rs = ok.filter((r) => (kind === 'training' ? isBackward(r) : r.kind === kind && !isBackward(r)));
    if (!rs.length) continue;
    const keys = [...new Set(rs.map((r) => `${r.workload}|${r.layout ?? ''}|${r.method}`))];
    const cols = columns.filter((c) => rs.some((r) => `${r.peer}@${r.threads}` === c));
    const head = kind === 'training'
      ? ['workload', ...cols.map((c) => c.replace('@', ' ') + 'T ms'), 'native 1T / forward', 'native 2T / forward', 'ts / native 1T']
      : ['workload', ...cols.map((c) => c.replace('@', ' ') + 'T ms'), 'native rate', 'of bound', 'vs best peer 1T', 'vs best peer 2T'];
    const rows = [head];
    for (const key of keys) {
      const [workload, layout, method] = key.split('|');
      const mine = rs.filter((r) => `${r.workload}|${r.layout ?? ''}|${r.method}` === key);
      const get = (c) => mine.find((r) => `${r.peer}@${r.threads}` === c);
      const row = [`${workload}${layout ? ` ${layout}` : ''}${method === 'convBackward' ? ' (dx+dw+db)' : ''}`];
      for (const c of cols) row.push(get(c) ? fmtMs(get(c).median) : '-');
      if (kind === 'training') {
        // Backward over the forward of the same layer, peer, threads and layout.
        for (const t of [1, 2]) {
          const b = mine.find((r) => r.peer === 'convkit-native' && r.threads === t);
          const f = ok.find((r) => r.peer === 'convkit-native' && r.threads === t && r.method === 'conv2d' && r.layout === layout && `${r.workload}_backward` === workload);
          row.push(b && f ? `${(b.median / f.median).toFixed(2)}x` : '-');
        }
        const n1 = mine.find((r) => r.peer === 'convkit-native' && r.threads === 1);
        const ts = mine.find((r) => r.peer === 'convkit-ts');
        row.push(n1 && ts ? `${(ts.median / n1.median).toFixed(1)}x` : '-');
        rows.push(row);
        continue;
      }
      const n1 = mine.find((r) => r.peer === 'convkit-native' && r.threads === 1);
      if (n1) {
        const rt = rate(n1);
        row.push(`${rt.value.toFixed(1)} ${rt.unit}`);
        const bound = rt.unit === 'GFLOP/s' ? peakGflops : bandwidthGBs;
        // Above 100%: for GB/s, the data stayed in cache between runs (a repeated call's truth;
        // the cold figure is native/bench/gemm-bench's); for GFLOP/s, the algorithm did fewer
        // multiplies than the direct count credits it with (Winograd).
        const frac = bound ? 100 * rt.value / bound : NaN;
        const why = rt.unit === 'GB/s' ? ' (cached)' : ' (Winograd)';
        row.push(bound ? `${frac.toFixed(0)}%${frac > 100 ? why : ''}` : '-');
      } else row.push('-', '-');
      for (const t of [1, 2]) {
        const n = mine.find((r) => r.peer === 'convkit-native' && r.threads === t);
        const peers = mine.filter((r) => !r.peer.startsWith('convkit') && r.threads === t).sort((a, b) => a.median - b.median);
        row.push(n && peers.length ? `${(n.median / peers[0].median).toFixed(2)}x ${peers[0].peer}` : '-');
      }
      rows.push(row);
    }
    out.push(`## ${kind}${kind === 'pool' ? ' (rate = GB/s of input + output)' : ''}\n${table(rows)}`);
  }
  return out.join('\n\n');
}

const COLORS = { 'convkit-native': '#1f77b4', 'convkit-ts': '#aec7e8', 'onnxruntime-node': '#ff7f0e', 'tfjs-wasm': '#2ca02c', 'tfjs-cpu': '#98df8a' };

/** Grouped horizontal bars of the rate (1 thread) per workload and peer, one panel per kind. */
function svgChart(results, title) {
  const ok = results.filter((r) => !r.error && r.workload && r.threads === 1 && r.method !== 'convBackward');
  // One panel per unit: compute-bound GEMMs in GFLOP/s, matrix-vector ones in GB/s.
  const panels = [['gemm', (r) => r.kind === 'gemm' && !r.memoryBound], ['gemv', (r) => r.kind === 'gemm' && r.memoryBound],
    ['conv2d', (r) => r.kind === 'conv2d'], ['pool', (r) => r.kind === 'pool']].map(([kind, pick]) => {
    const rs = ok.filter(pick);
    const groups = [...new Set(rs.map((r) => `${r.workload}${r.layout ? ` ${r.layout}` : ''}`))];
    return { kind, rs, groups };
  }).filter((p) => p.rs.length);
  const peers = [...new Set(ok.map((r) => r.peer))];
  const bar = 9;
  const gap = 8;
  const left = 150;
  const width = 760;
  let y = 40;
  const parts = [];
  for (const p of panels) {
    const unit = rate(p.rs[0]).unit;
    const max = Math.max(...p.rs.map((r) => rate(r).value));
    parts.push(`<text x="10" y="${y}" font-weight="bold">${p.kind} (${unit}, 1 thread)</text>`);
    y += 10;
    for (const g of p.groups) {
      const members = peers.map((peer) => p.rs.find((r) => r.peer === peer && `${r.workload}${r.layout ? ` ${r.layout}` : ''}` === g)).filter(Boolean);
      parts.push(`<text x="${left - 6}" y="${y + (members.length * bar) / 2 + 4}" text-anchor="end">${g}</text>`);
      for (const r of members) {
        const v = rate(r).value;
        const w = Math.max(1, ((width - left - 80) * v) / max);
        parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 1}" fill="${COLORS[r.peer] ?? '#888'}"/>`);
        parts.push(`<text x="${left + w + 4}" y="${y + bar - 1}" font-size="9">${v.toFixed(1)}</text>`);
        y += bar;
      }
      y += gap;
    }
    y += 16;
  }
  const legend = peers.map((peer, i) => `<rect x="${10 + i * 150}" y="${y}" width="10" height="10" fill="${COLORS[peer] ?? '#888'}"/><text x="${24 + i * 150}" y="${y + 9}">${peer}</text>`);
  y += 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">${title}</text>
${parts.join('\n')}
${legend.join('\n')}
</svg>
`;
}

module.exports = { textReport, svgChart, rate };
