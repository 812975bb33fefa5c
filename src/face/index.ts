/**
 * Public surface of the face engine (pure TypeScript; runtime adapters are imported separately:
 * `./ort-web-runtime` in workerd, `./ort-node-runtime` in Node).
 */
export { createFaceEngine, dominance, sortByDominance } from "./engine";
export type { AnalyzeOptions, AnalyzedFace, FaceAnalysis, FaceEngine, FaceEngineDeps, StageTimings } from "./engine";
export { cosineSimilarity, l2Normalize } from "./embedding";
export { FaceEngineError, isFaceEngineError } from "./errors";
export type { FaceEngineErrorCode } from "./errors";
export { MANIFESTS, MODEL_FILES, thresholds } from "./manifest";
export type { ModelKey, ModelManifest } from "./manifest";
export type { FloatTensor, ModelSession, OrtRuntime } from "./runtime";
export type { HeadPose } from "./pose";
export type { FaceQuality } from "./quality";
export type { LivenessResult } from "./liveness";
export type { Point } from "./align";
export type { Rect, RgbaImage } from "./image";
export { createChallenge, checkChallenge, poseMatchesStep, CHALLENGE_STEPS, CHALLENGE_ANGLES } from "./challenge";
export type { ChallengeStep, ChallengeCheck } from "./challenge";
export { findDuplicateFaces, embeddingToBytes, embeddingFromBytes } from "./duplicates";
export type { StoredFace, DuplicateMatch } from "./duplicates";
export { estimateHeadPose } from "./pose";
export { decodeImage } from "./decode";
