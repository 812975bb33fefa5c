/**
 * The console's one stylesheet, served by us at /console/assets/console.css (the CSP allows styles from our own
 * origin only). Colours keep at least 4.5:1 contrast on their backgrounds; zoom and the heatmap overlay are pure
 * CSS (a visually hidden checkbox and its label), so they work without script.
 */
export const CONSOLE_CSS = `
:root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --bg: #ffffff; --panel: #f4f5f7; --accent: #0b4f9c; --ok: #0b6b2f; --bad: #a4161a; --warn: #7a4b00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, label:focus-within { outline: 3px solid #f2a900; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
header.top { display: flex; gap: 1.5rem; align-items: center; padding: .75rem 1.5rem; background: #102a43; color: #fff; flex-wrap: wrap; }
header.top a { color: #fff; }
header.top nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
header.top .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; }
header.top form { margin: 0; }
main { padding: 1.5rem; max-width: 80rem; margin: 0 auto; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .9em; background: var(--panel); padding: 0 .25em; border-radius: 3px; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 1em; font-size: .85em; font-weight: 600; border: 1px solid currentColor; }
.status-verified, .sev-info { color: var(--ok); }
.status-not_verified, .sev-critical { color: var(--bad); }
.status-manual_review, .sev-warning { color: var(--warn); }
.notice { padding: .75rem 1rem; border-left: 4px solid var(--accent); background: var(--panel); margin: 0 0 1rem; }
.error-box { padding: .75rem 1rem; border-left: 4px solid var(--bad); background: #fdecec; margin: 0 0 1rem; }
.field-error { color: var(--bad); font-weight: 600; margin: .25rem 0 0; }
form.stack label { display: block; font-weight: 600; margin-top: .75rem; }
form.stack input[type=text], form.stack input[type=email], form.stack input[type=password], form.stack input[type=number], form.stack select, form.stack textarea { display: block; width: 100%; max-width: 28rem; padding: .45rem; border: 1px solid #767676; border-radius: 4px; font: inherit; }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 1rem 0; }
button, .button { font: inherit; padding: .5rem 1rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin-top: 1rem; }
button.secondary { background: #fff; color: var(--accent); margin: 0; padding: .25rem .75rem; }
.filters { display: flex; gap: 1rem; align-items: flex-end; flex-wrap: wrap; margin-bottom: 1rem; }
.filters label { display: block; font-weight: 600; }
.filters select, .filters input { padding: .35rem; border: 1px solid #767676; border-radius: 4px; font: inherit; }
.filters button { margin: 0; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
figure { margin: 0; background: var(--panel); padding: .75rem; border-radius: 4px; }
figcaption { font-weight: 600; margin-bottom: .5rem; }
.zoom-toggle, .overlay-toggle { position: absolute; opacity: 0; width: 1px; height: 1px; }
.zoom-label { display: block; cursor: zoom-in; }
.frame { position: relative; display: inline-block; max-width: 100%; }
.frame img { display: block; max-width: 100%; max-height: 24rem; height: auto; }
.zoom-toggle:checked + .zoom-label { cursor: zoom-out; }
.zoom-toggle:checked + .zoom-label img { max-height: none; width: 100%; }
.frame img.heat { position: absolute; inset: 0; width: 100%; height: 100%; max-height: none; opacity: .6; display: none; mix-blend-mode: multiply; }
.overlay-toggle:checked ~ .zoom-label .frame img.heat { display: block; }
.toggle-label { display: inline-block; margin-top: .5rem; padding: .2rem .6rem; border: 1px solid var(--accent); border-radius: 4px; color: var(--accent); cursor: pointer; background: #fff; }
.hint { color: var(--muted); font-size: .9rem; }
fieldset.grid-fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0 1rem; }
fieldset.grid-fields legend, fieldset.grid-fields > p { grid-column: 1 / -1; }
fieldset.grid-fields input[type=text] { max-width: 8rem; }
.decision-form .when-approve, .decision-form .when-reject, .decision-form .when-resubmit { display: none; }
.decision-form:has(#decision-approve:checked) .when-approve, .decision-form:has(#decision-reject:checked) .when-reject, .decision-form:has(#decision-resubmit:checked) .when-resubmit { display: block; }
td.differs { background: #fdecec; }
.differs-mark { color: var(--bad); }
pre.mrz-lines { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; background: var(--panel); padding: .5rem .75rem; overflow-x: auto; letter-spacing: .05em; }
.crops { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.crops img { width: 8rem; height: 8rem; object-fit: cover; border-radius: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ol.timeline { padding-left: 1.25rem; }
/* auditor pages (src/console/auditor, src/console/charts.tsx) */
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 34rem), 1fr)); gap: 1rem; }
figure.chart svg { display: block; max-width: 100%; height: auto; background: #fff; }
figure.chart table.chart-data { font-size: .9rem; margin-top: .5rem; }
figure.chart table.chart-data caption { position: absolute; left: -9999px; }
ul.metadata { list-style: none; margin: 0; padding: 0; font-size: .9rem; min-width: 16rem; }
ul.metadata code { white-space: pre-wrap; overflow-wrap: anywhere; }
td.when { white-space: nowrap; }
.pager { display: flex; gap: 1.5rem; margin: 1rem 0; }
/* admin pages (src/console/admin) */
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
form.inline { display: inline-flex; gap: .25rem; align-items: center; margin: 0 .25rem .25rem 0; }
code.secret { display: inline-block; padding: .5rem; font-size: 1rem; word-break: break-all; user-select: all; }
ol.attempts { margin: 0; padding-left: 1.25rem; }
`;
