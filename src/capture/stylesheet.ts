/**
 * The capture page's one stylesheet, served by us at /capture/assets/capture.css (the CSP allows styles from our own
 * origin only). Mobile first: one column, large touch targets; colours keep at least 4.5:1 contrast. The selfie
 * preview is mirrored here only (`.mirrored`), never in the frames the script captures.
 */
export const CAPTURE_CSS = `
:root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --bg: #ffffff; --panel: #f4f5f7; --accent: #0b4f9c; --bad: #a4161a; --ok: #0b6b2f; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, label:focus-within, h1:focus-visible, h2:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
header.top { padding: .75rem 1rem; background: #102a43; color: #fff; font-size: .95rem; }
main { padding: 1rem; max-width: 40rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
h2 { font-size: 1.25rem; margin: .5rem 0 .75rem; }
[hidden] { display: none !important; }
p.version { color: var(--muted); font-size: .9rem; }
.status { min-height: 1.5em; margin: .75rem 0; font-weight: 600; }
.alert { padding: .75rem 1rem; border-left: 4px solid var(--bad); background: #fdecec; margin: .75rem 0; }
.alert:empty { display: none; }
label.check { display: flex; gap: .75rem; align-items: flex-start; padding: .5rem 0; }
label.check input { width: 1.5rem; height: 1.5rem; flex: none; margin: 0; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; }
fieldset label { display: flex; gap: .75rem; align-items: center; padding: .6rem 0; }
fieldset input { width: 1.4rem; height: 1.4rem; margin: 0; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .8rem 1.25rem; min-height: 3rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin-top: 1rem; text-decoration: none; }
button[disabled] { opacity: .6; cursor: progress; }
/* The preview shows the whole frame the page will capture (no cropping), so the guide box sits where the script measures. */
.camera { position: relative; width: 100%; background: #111; border-radius: 8px; overflow: hidden; }
.camera video { width: 100%; height: auto; display: block; }
.camera.selfie video { max-height: 70vh; object-fit: contain; }
.camera video.mirrored { transform: scaleX(-1); }
.camera .guide { position: absolute; inset: 12% 8%; border: 3px dashed rgba(255, 255, 255, .85); border-radius: 10px; pointer-events: none; }
.camera.selfie .guide { inset: 8% 25%; border-radius: 50%; }
.file { display: block; margin-top: 1rem; }
.file input { display: block; margin-top: .5rem; font: inherit; max-width: 100%; }
.instruction { font-size: 1.35rem; font-weight: 700; display: flex; gap: .75rem; align-items: center; }
.instruction .arrow { font-size: 2.2rem; line-height: 1; }
.muted { color: var(--muted); }
`;
