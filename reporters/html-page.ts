/**
 * What every HTML page the harness writes shares: escaping, and one self-contained page (inline style and
 * script, no network, no external resource) so a report can be mailed, archived as a CI artifact or opened
 * from disk.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Verdict colours, shared by the report, the matrix and their legends. */
export const VERDICT_COLOURS: Record<string, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  error: '#6a1b9a',
  warn: '#ef6c00',
  skip: '#757575',
  none: '#bdbdbd',
};

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#212121}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.5em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #e0e0e0;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f5}code,pre{font:12px/1.35 ui-monospace,Menlo,Consolas,monospace}
pre{background:#fafafa;border:1px solid #eee;padding:.5em;overflow:auto;max-height:40em;white-space:pre-wrap}
.v{font-weight:600;color:#fff;padding:.1em .45em;border-radius:3px;display:inline-block;min-width:3.2em;text-align:center}
${Object.entries(VERDICT_COLOURS)
  .map(([v, c]) => `.v-${v}{background:${c}}`)
  .join('')}
.facts td:first-child{font-weight:600;white-space:nowrap}.muted{color:#757575}
.filters{margin:.5em 0}.filters label{margin-right:1em}details{margin:.25em 0}summary{cursor:pointer}
.tests td:nth-child(3){white-space:nowrap}.counts .v{min-width:0}.matrix td.cell{text-align:center}.matrix th.rot{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
`;

/** A whole page: title, inline style, body, and an optional inline script. */
export function page(title: string, body: string, script = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
${script ? `<script>\n${script}\n</script>` : ''}
</body>
</html>
`;
}
