/**
 * The HTML report (`--html=FILE`): one self-contained file (inline style and script, nothing fetched) with
 * the run's target, options and device facts, the summary counts, and a table of every test (verdict, time,
 * clause, level) filterable by verdict and family; a failure, error or warning opens to its expected-versus-
 * got message, the narration and, when the run had --trace, every PDU of its sessions, decoded.
 *
 * Several runs (of several targets, or --json files of earlier runs: `iscsi-test report`) become a matrix,
 * tests × targets, each cell a verdict linking to that run's entry below, as Autobahn|Testsuite's index
 * does. The filters also read the page's #fragment (`#verdict=fail,error&family=SCSI`), so a filtered view
 * can be linked to.
 */
import type { RunReport, TestResult, Verdict } from '../harness/results.js';
import { VERDICTS } from '../harness/results.js';
import { esc, page } from './html-page.js';

/** A run as the report reads it: a live RunReport, or one read back from --json (dates as strings). */
export type ReportRun = Omit<RunReport, 'info'> & { info: Omit<RunReport['info'], 'startedAt'> & { startedAt: Date | string } };

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const familyOf = (id: string): string => id.split('.')[0] ?? '';
const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

const badge = (v: Verdict | 'none', text: string = v === 'none' ? '—' : v.toUpperCase()): string => `<span class="v v-${v}">${esc(text)}</span>`;

function factsTable(run: ReportRun): string {
  const i = run.info;
  const rows: [string, string][] = [
    ['Target', `${i.target}${i.embedded ? ' (embedded reference target)' : ''}`],
    ['Device', i.device],
    ['Tool', `${i.tool} ${i.version}`],
    ['Started', new Date(i.startedAt).toISOString()],
    ['Duration', secs(run.durationMs)],
    ['Initiator names', `${i.initiatorName}, ${i.initiatorName2}`],
    [
      'Options',
      [i.dataloss ? 'dataloss allowed' : 'no --dataloss', i.sanitize ? 'sanitize allowed' : '', i.strict ? 'strict' : '', i.shard ? `shard ${i.shard}` : '']
        .filter(Boolean)
        .join(', '),
    ],
  ];
  const f = i.facts as unknown as Record<string, unknown> | undefined;
  rows.push(...deviceFacts(f));
  const problems = Array.isArray(f?.['problems']) ? (f!['problems'] as string[]) : [];
  let html = `<table class="facts">${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</table>\n`;
  if (problems.length) html += `<p>Probe notes:</p><ul>${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>\n`;
  const probeLog = Array.isArray(f?.['log']) ? (f!['log'] as string[]) : [];
  if (probeLog.length) html += `<details><summary>Start-up probe</summary><pre>${esc(probeLog.join('\n'))}</pre></details>\n`;
  return html;
}

/** The probe's facts tests are gated on, read loosely: a --json file holds them as plain JSON. */
function deviceFacts(f: Record<string, unknown> | undefined): [string, string][] {
  if (!f || typeof f['blockSize'] !== 'number') return [];
  const yes = (k: string) => (f[k] ? 'yes' : 'no');
  const hx = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  const out: [string, string][] = [
    ['Capacity', `${f['blocks']} blocks of ${f['blockSize']} bytes, ${f['lbppb'] ?? 1} a physical block`],
    ['Thin (LBPME)', yes('thin')],
    ['Removable, read-only', `${yes('removable')}, ${yes('readOnly')}`],
    ['Protection, DPOFUA, SBC-3', `${yes('protection')}, ${yes('dpofua')}, ${yes('sbc3')}`],
  ];
  const mtl = f['maxTransferBlocks'];
  out.push(['Maximum transfer length', typeof mtl === 'number' && Number.isFinite(mtl) ? `${mtl} blocks` : 'none set']);
  if (Array.isArray(f['vpdPages'])) out.push(['VPD pages', (f['vpdPages'] as number[]).map(hx).join(' ')]);
  out.push(['REPORT SUPPORTED OPERATION CODES', Array.isArray(f['rsoc']) ? `${(f['rsoc'] as unknown[]).length} commands` : 'not supported']);
  return out;
}

function countsLine(run: ReportRun): string {
  const c = run.counts;
  return `<p class="counts">${VERDICTS.map((v) => `${badge(v)} ${c[v]}`).join(' &nbsp; ')} &nbsp; <b>${c.total}</b> tests</p>\n`;
}

/** What opens under a failure: the message, the doc, the narration and the decoded PDUs. */
function details(r: TestResult): string {
  let out = `<details><summary>${esc(r.message ?? '')}</summary>\n`;
  if (r.warnings?.length && r.verdict === 'warn') out += `<p>Warnings:</p><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  out += `<p class="muted">${esc(r.doc)}</p>\n`;
  if (r.log?.length) out += `<p>Narration:</p><pre class="narration">${esc(r.log.map(([ms, l]) => `+${(ms / 1000).toFixed(3)} s  ${l}`).join('\n'))}</pre>\n`;
  for (const t of r.traces ?? []) {
    const lines = t.entries.map((e) => {
      const bhs = e.bytes?.[0];
      const hex =
        bhs && bhs.length >= 48
          ? `\n      BHS ${Buffer.from(bhs)
              .subarray(0, 48)
              .toString('hex')
              .replace(/(.{8})/g, '$1 ')
              .trim()}`
          : '';
      return `${hhmmss(e.time)} ${e.dir === 'send' ? '>>' : '<<'} ${e.text}${hex}`;
    });
    out += `<p>PDUs of ${esc(t.label)} (${esc(`${t.local.address}:${t.local.port} -> ${t.remote.address}:${t.remote.port}`)}):</p><pre class="pdus">${esc(lines.join('\n'))}</pre>\n`;
  }
  if (r.stack && r.verdict === 'error') out += `<pre>${esc(r.stack)}</pre>`;
  return out + '</details>';
}

function filters(families: string[], withChanged: boolean): string {
  return (
    `<div class="filters">Verdict: ${[...VERDICTS]
      .map((v) => `<label><input type="checkbox" class="f-verdict" value="${v}" checked> ${badge(v)}</label>`)
      .join('')} Family: <select id="f-family"><option value="">all</option>${families.map((f) => `<option>${esc(f)}</option>`).join('')}</select>` +
    (withChanged ? ` <label><input type="checkbox" id="f-differ"> only where the targets differ</label>` : '') +
    ` &nbsp; <span id="shown"></span></div>\n`
  );
}

function testTable(run: ReportRun, anchorPrefix: string): string {
  let html = '<table class="tests"><thead><tr><th>Verdict</th><th>Test</th><th>Time</th><th>Clause</th><th>Level</th><th>Message</th></tr></thead><tbody>\n';
  for (const r of run.results) {
    const msg = r.verdict === 'fail' || r.verdict === 'error' || r.verdict === 'warn' ? details(r) : esc(r.message ?? '');
    html +=
      `<tr class="test" id="${esc(anchorPrefix + r.id)}" data-verdict="${r.verdict}" data-verdicts="${r.verdict}" ` +
      `data-family="${esc(familyOf(r.id))}"><td>${badge(r.verdict)}</td><td><code>${esc(r.id)}</code></td>` +
      `<td>${r.verdict === 'skip' ? '' : secs(r.durationMs)}</td><td>${esc(r.clause)}</td><td>${esc(r.level)}</td><td>${msg}</td></tr>\n`;
  }
  return html + '</tbody></table>\n';
}

/** The filter script: rows of class "test" carry data-verdicts (space separated) and data-family. */
const SCRIPT = `
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input.f-verdict'));
  var family = document.getElementById('f-family');
  var differ = document.getElementById('f-differ');
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.test'));
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var shown = 0;
    rows.forEach(function (r) {
      var vs = r.getAttribute('data-verdicts').split(' ');
      var ok = vs.some(function (v) { return on[v]; }) &&
        (!family.value || r.getAttribute('data-family') === family.value) &&
        (!differ || !differ.checked || r.getAttribute('data-differ') === '1');
      r.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
    var h = [];
    var off = boxes.filter(function (b) { return !b.checked; });
    if (off.length) h.push('verdict=' + boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }).join(','));
    if (family.value) h.push('family=' + family.value);
    if (differ && differ.checked) h.push('differ=1');
    history.replaceState(null, '', h.length ? '#' + h.join('&') : location.pathname + location.search);
  }
  // A link may carry the filter: #verdict=fail,error&family=SCSI&differ=1
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('=');
    if (p[0] === 'verdict') { var want = (p[1] || '').split(','); boxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; }); }
    if (p[0] === 'family') family.value = decodeURIComponent(p[1] || '');
    if (p[0] === 'differ' && differ) differ.checked = p[1] === '1';
  });
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  family.addEventListener('change', apply);
  if (differ) differ.addEventListener('change', apply);
  apply();
})();
`;

/** A short name for a run in the matrix's column head. */
function runLabel(run: ReportRun, i: number): string {
  const dev = run.info.device.split(',')[0] ?? '';
  return `${i + 1}: ${dev} · ${run.info.targetName}/${run.info.lun}`;
}

function families(runs: readonly ReportRun[]): string[] {
  return [...new Set(runs.flatMap((r) => r.results.map((x) => familyOf(x.id))))];
}

/** One run: facts, counts, filters, the table. */
export function htmlReport(run: ReportRun): string {
  const body =
    `<h1>iscsi-test report</h1>\n${factsTable(run)}<h2>Summary</h2>\n${countsLine(run)}` +
    (run.baseline
      ? `<p>Baseline ${esc(run.baseline.file)}: ${run.baseline.matched} as expected, ${run.baseline.changed.length} ` +
        `changed${run.baseline.changed.map((c) => `<br><code>${esc(c.id)}</code>: expected ${esc(c.expected)}, got ${esc(c.actual)}`).join('')}</p>\n`
      : '') +
    `<h2>Tests</h2>\n${filters(families([run]), false)}${testTable(run, '')}`;
  return page(`iscsi-test: ${run.info.target}`, body, SCRIPT);
}

/** Several runs: the matrix tests × targets, then each run's facts and failures. */
export function htmlMatrix(runs: readonly ReportRun[]): string {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const r of run.results) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      ids.push(r.id);
    }
  }
  const byRun = runs.map((run) => new Map(run.results.map((r) => [r.id, r])));
  let body = `<h1>iscsi-test: ${runs.length} runs</h1>\n<table class="facts"><thead><tr><th>Run</th><th>Target</th><th>Device</th><th>Counts</th></tr></thead><tbody>${runs
    .map(
      (run, i) =>
        `<tr><td><a href="#run-${i + 1}">${i + 1}</a></td><td>${esc(run.info.target)}</td><td>${esc(run.info.device)}</td>` +
        `<td>${VERDICTS.map((v) => `${badge(v, v[0]!.toUpperCase())}${run.counts[v]}`).join(' ')}</td></tr>`,
    )
    .join('')}</tbody></table>\n`;
  body +=
    `<h2>Matrix</h2>\n${filters(families(runs), true)}<table ` +
    `class="matrix"><thead><tr><th>Test</th>${runs.map((r, i) => `<th class="rot" title="${esc(r.info.target)}">${esc(runLabel(r, i))}</th>`).join('')}</tr></thead><tbody>\n`;
  for (const id of ids) {
    const cells = byRun.map((m) => m.get(id));
    const verdicts = cells.map((c) => c?.verdict ?? 'none');
    const differ = new Set(verdicts).size > 1 ? '1' : '0';
    body += `<tr class="test" data-verdicts="${verdicts.join(' ')}" data-differ="${differ}" data-family="${esc(familyOf(id))}"><td><code>${esc(id)}</code></td>${cells
      .map((c, i) =>
        c
          ? `<td class="cell" data-verdict="${c.verdict}"><a href="#run-${i + 1}-${esc(id)}" title="${esc(c.message ?? c.verdict)}">${badge(c.verdict)}</a></td>`
          : `<td class="cell" data-verdict="none">${badge('none')}</td>`,
      )
      .join('')}</tr>\n`;
  }
  body += '</tbody></table>\n';
  runs.forEach((run, i) => {
    body += `<h2 id="run-${i + 1}">Run ${i + 1}: ${esc(run.info.target)}</h2>\n${factsTable(run)}${countsLine(run)}<table class="tests"><tbody>\n`;
    for (const r of run.results) {
      if (r.verdict === 'pass') continue;
      const msg = r.verdict === 'skip' ? esc(r.message ?? '') : details(r);
      body += `<tr id="run-${i + 1}-${esc(r.id)}"><td>${badge(r.verdict)}</td><td><code>${esc(r.id)}</code></td><td>${esc(r.clause)}</td><td>${esc(r.level)}</td><td>${msg}</td></tr>\n`;
    }
    body += '</tbody></table>\n';
  });
  return page(`iscsi-test: ${runs.length} runs`, body, SCRIPT);
}
