/**
 * Document layouts and the two disjoint settings splits. A detector is tuned on `tuning`; the benchmark reports on
 * `heldout`, whose layouts, fonts, camera qualities, editor tables, tamper sizes and capture ranges were never seen
 * while tuning. scripts/docgen/README.md shows the same table for humans.
 */

/**
 * @typedef {object} Layout
 * @property {string} id
 * @property {[string, string]} paper gradient from top-left to bottom-right
 * @property {string} tint radial tint behind the fields
 * @property {[string, string]} guilloche stroke colours of the rosette and the wave pattern
 * @property {string} accent header band and labels
 * @property {string} ink printed values
 * @property {"left" | "right"} portraitSide
 * @property {"stacked" | "grid"} fieldArrangement one field per row, or short fields side by side
 * @property {"dots" | "spaces" | "month"} dateStyle 12.08.1974, 12 08 1974 or 12 AUG 1974
 * @property {number} wavePeriod px at 1000 px card width; the repeating background's period
 */

/** @type {Record<string, Layout>} */
export const LAYOUTS = {
  "blue-left": {
    id: "blue-left",
    paper: ["#e7eef7", "#d3e2ee"],
    tint: "#f4e7d7",
    guilloche: ["#7fa1c7", "#a9bfd8"],
    accent: "#1f4e8c",
    ink: "#15171c",
    portraitSide: "left",
    fieldArrangement: "stacked",
    dateStyle: "dots",
    wavePeriod: 36,
  },
  "rose-right": {
    id: "rose-right",
    paper: ["#f6e9ec", "#ead6dc"],
    tint: "#e6eef2",
    guilloche: ["#c98ea0", "#d9b3be"],
    accent: "#7a2040",
    ink: "#1b1416",
    portraitSide: "right",
    fieldArrangement: "grid",
    dateStyle: "spaces",
    wavePeriod: 28,
  },
  "green-right": {
    id: "green-right",
    paper: ["#e8f2e6", "#d5e6d2"],
    tint: "#f1ecd9",
    guilloche: ["#86b083", "#b2cfae"],
    accent: "#265c2b",
    ink: "#121812",
    portraitSide: "right",
    fieldArrangement: "stacked",
    dateStyle: "month",
    wavePeriod: 44,
  },
  "sand-left": {
    id: "sand-left",
    paper: ["#f5efe1", "#e9dcc2"],
    tint: "#dde6f0",
    guilloche: ["#c4a46c", "#d8c39a"],
    accent: "#6b4a12",
    ink: "#1a150c",
    portraitSide: "left",
    fieldArrangement: "grid",
    dateStyle: "spaces",
    wavePeriod: 32,
  },
};

/**
 * @typedef {object} Split
 * @property {string[]} layouts
 * @property {{ text: string, numbers: string }} fonts printed-field fonts (the MRZ is always OCR B)
 * @property {number[]} cameraQualities IJG-scale qualities of the synthetic cameras
 * @property {string[]} cameraTables table families (see quant-tables.mjs cameraTables)
 * @property {string[]} editorTables Photoshop presets (photoshop-tables.mjs) for editor saves
 * @property {number[]} resaveQualities IJG qualities for double_compression's second save
 * @property {{ stripped: number, kept: number, software: number }} exifModes weights of what an editor does with EXIF
 * @property {[number, number]} copyMoveFraction copied area as a fraction of the card area
 * @property {[number, number]} blurSigma lens blur σ in px at 2000 px
 * @property {[number, number]} rotationDegrees in-plane rotation range (±)
 * @property {[number, number]} tiltFraction perspective keystone range
 * @property {[number, number]} fill card's long side over the frame's
 */

/** @type {{ tuning: Split, heldout: Split }} */
export const SPLITS = {
  tuning: {
    layouts: ["blue-left", "rose-right"],
    fonts: { text: "DejaVu Sans", numbers: "DejaVu Sans Mono" },
    cameraQualities: [86, 90, 94],
    cameraTables: ["ijg", "vendor-flat"],
    editorTables: ["save-as-10", "save-as-8", "web-60"],
    resaveQualities: [75, 80, 95],
    exifModes: { stripped: 1, kept: 1, software: 2 },
    copyMoveFraction: [0.02, 0.04],
    blurSigma: [0.5, 1.0],
    rotationDegrees: [-4, 4],
    tiltFraction: [0, 0.04],
    fill: [0.6, 0.8],
  },
  heldout: {
    layouts: ["green-right", "sand-left"],
    fonts: { text: "DejaVu Serif", numbers: "DejaVu Sans Condensed" },
    cameraQualities: [84, 88, 92, 96],
    cameraTables: ["ijg", "vendor-sharp-chroma"],
    editorTables: ["save-as-12", "save-as-5", "web-80", "web-30"],
    resaveQualities: [70, 85, 90],
    exifModes: { stripped: 2, kept: 1, software: 1 },
    copyMoveFraction: [0.04, 0.06],
    blurSigma: [0.8, 1.5],
    rotationDegrees: [-6, 6],
    tiltFraction: [0.02, 0.06],
    fill: [0.55, 0.85],
  },
};
