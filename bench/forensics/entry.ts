/** What the forensics bench runs in Node: the document layers exactly as the Worker registers them. */
export { exifLayer } from "../../src/pipeline/layers/exif";
export { JpegEvidence, jpegLayer } from "../../src/pipeline/layers/jpeg";
export { elaLayer } from "../../src/pipeline/layers/ela";
export { copyMoveLayer } from "../../src/pipeline/layers/copy-move";
export { decodeOnce } from "../../src/pipeline/images";
export { Analyses } from "../../src/pipeline/layers/biometrics";
export { analyseDoubleCompression } from "../../src/imaging/jpeg/double-compression";
export { findClones } from "../../src/imaging/copy-move";
export { documentHash, hammingDistance } from "../../src/imaging/phash";
export { createFaceEngine } from "../../src/face/engine";
export { ortNodeRuntime } from "../../src/face/ort-node-runtime";
export { DEFAULT_SETTINGS } from "../../src/pipeline/settings";
