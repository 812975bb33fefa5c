/**
 * Synthetic identity documents for forensic tests and benchmarks (Node only, never shipped in the Worker):
 * render a flat TD1/TD3 document, photograph it like a phone, tamper with it like a forger, or stream a whole
 * deterministic set (forensics: `documentSet`; reading the MRZ: `readingSet`). See README.md for the splits.
 */
export { renderDocument, flatToPng, formatDate } from "./render.mjs";
export { photograph } from "./photograph.mjs";
export { tamper, TAMPER_TYPES, PHOTOSHOP_SOFTWARE } from "./tamper.mjs";
export { documentSet } from "./document-set.mjs";
export { readingSet, READING_SPLITS } from "./reading-set.mjs";
export { DEFAULT_MRZ_STYLE } from "./render.mjs";
export { SPLITS, LAYOUTS } from "./splits.mjs";
export { randomHolder, STATES } from "./holder.mjs";
export { td1Lines, td3Lines, checkDigit } from "./mrz.mjs";
export { encodeJpeg, readQuantTables, listSegments, ZIGZAG_TO_NATURAL } from "./jpeg-encode.mjs";
export { ijgTables, vendorTables, cameraTables, scaleTable, ANNEX_K_LUMA, ANNEX_K_CHROMA } from "./quant-tables.mjs";
export { PHOTOSHOP_TABLES, photoshopTable } from "./photoshop-tables.mjs";
export { buildExifSegment, buildXmpSegment, buildPhotoshopIrbSegment, buildJfifSegment, buildAdobeSegment } from "./exif.mjs";
export { CAMERAS } from "./camera.mjs";
export { createRandom, deriveSeed } from "./random.mjs";
