/**
 * The pipeline's contracts. A layer is a pure function of the verification's inputs (bytes and declared
 * data) and a context (clock, decoded images): no bindings, no fetch, no Date.now. It returns evidence:
 * a status, a risk score 0–100 (0 = no sign of risk, 100 = certain problem) and findings with codes.
 */
import type { BoundedImage } from "../face/decode";
import type { FindingCode, LayerName } from "./codes";

export type { FindingCode, LayerName } from "./codes";

export type LayerStatus = "passed" | "warning" | "failed" | "skipped";
export type Severity = "info" | "warning" | "critical";

export interface Finding {
  code: FindingCode;
  message: string;
  severity: Severity;
  data?: Record<string, unknown>;
}

/** An evidence file a layer produced (a heatmap, a face crop): stored by the runner in R2 and listed in the result. */
export interface Artifact {
  /** Unique within the verification, `[a-z0-9_]+` (e.g. `ela`, `face_document`). */
  name: string;
  contentType: "image/png" | "image/jpeg" | "application/json";
  bytes: Uint8Array;
}

export interface LayerResult {
  layer: LayerName;
  status: LayerStatus;
  /** Risk 0–100: 0 means this layer saw nothing wrong, 100 means it is sure something is wrong. */
  score: number;
  findings: Finding[];
  ms: number;
  /** Evidence files; the runner stores them and keeps only their names in the stored result. */
  artifacts?: Artifact[];
}

export interface DeclaredData {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  country: string | null;
  documentType: string;
  documentNumber: string | null;
  documentIssuingCountry: string | null;
  documentExpiry: string | null;
  mrz: string[] | null;
}

export interface MediaInput {
  kind: "document_front" | "document_back" | "selfie" | "selfie_frame";
  bytes: Uint8Array;
  contentType: string;
  sha256: string;
  /** Who captured it (absent: `api`); `hosted_capture` files were encoded by our own page's canvas (no camera EXIF, re-compressed). */
  source?: "api" | "hosted_capture" | "applicant_app";
}

/**
 * What is known about the applicant's own network: passed on by the tenant's server (`applicant.ip`,
 * `applicant.device`) or seen on a request the applicant's device sent. Never the tenant server's own request.
 */
export interface NetworkObservation {
  source: "tenant" | "applicant_device";
  ip: string | null;
  /** ISO alpha-2, or Cloudflare's `T1` for Tor. */
  country: string | null;
  asn: number | null;
  /** Marked anonymising (VPN, proxy, Tor) by whoever observed it. */
  anonymous: boolean;
}

export interface PipelineInputs {
  verificationId: string;
  tenantId: string;
  declared: DeclaredData;
  media: MediaInput[];
  /** The creating request (a tenant's server, usually: its country is the tenant's data centre, not the applicant's). */
  request: { country: string | null; ip: string | null };
  /** Observations of the applicant's network (empty or absent: none). */
  network?: NetworkObservation[];
}

/** The run's image memo: each upload decoded shrunk and upright, one decoded image alive at a time. */
export interface DecodedImages {
  /**
   * Runs `fn` with the upload's pixels (shrunk and upright), or with null when the bytes are not a decodable image.
   * The pixels are only valid inside `fn`: the memo frees them when they leave its cache.
   */
  use<T>(media: MediaInput, fn: (image: BoundedImage | null) => Promise<T> | T): Promise<T>;
}

export interface LayerContext {
  /** Milliseconds clock for `ms` timings (performance.now in the Worker). */
  clock: () => number;
  /** Wall-clock time of the run (for expiry and date checks), ISO date `YYYY-MM-DD`. */
  today: string;
  /** Each upload decoded once per run, shrunk and upright (src/pipeline/images.ts). */
  images: DecodedImages;
}

export interface Layer {
  name: LayerName;
  run(inputs: PipelineInputs, ctx: LayerContext): Promise<LayerResult>;
}

/** Runs `body` and fills in `ms`; a layer that throws becomes a thrown error for the consumer to retry. */
export async function timed(layer: LayerName, clock: () => number, body: () => Promise<Omit<LayerResult, "ms" | "layer">>): Promise<LayerResult> {
  const start = clock();
  const result = await body();
  return { layer, ...result, ms: Math.round((clock() - start) * 100) / 100 };
}
