/**
 * The `mrz` layer: the machine-readable zone read from the document image (the OCR reader, wired by the lead) and
 * the lines the client sent, each parsed and its check digits verified (src/reading/mrz.ts), the two compared with
 * each other, and the zone compared with the declared data, the expiry date and the tenant's minimum age.
 *
 * The MRZ is read once per run through {@link MrzEvidence} and shared with the `vision`, `registry` and `geo`
 * layers. Each reading's lines, fields and check digits travel in one finding's `data.read` so a reviewer and a
 * benchmark see what was read; that is personal data, which the storage encrypts at rest and erases with the
 * verification (READING_LAYERS in src/verifications/retention.ts).
 *
 * No MRZ found on the image and none sent is a warning, never a rejection: plenty of genuine photos cut the zone
 * off or glare over it. Without a reader (models unavailable) and no lines sent the layer is skipped.
 */
import { checksumFindings, dateFindings, mismatchFindings, mrzDifferences, parseMrz } from "../../reading/mrz";
import type { ParsedMrz } from "../../reading/mrz";
import type { MrzReading } from "../../reading/types";
import type { DecodedImages, Finding, Layer, LayerContext, LayerResult, MediaInput, PipelineInputs } from "../types";
import { timed } from "../types";

/** Reads the MRZ on an upload's pixels (the OCR reader, wired by the lead); null = no band found. */
export type MrzImageReader = (media: MediaInput, images: DecodedImages) => Promise<MrzReading | null>;

/** What became of reading the image: why there is no image MRZ when there is none. */
export interface MrzImageAttempt {
  status: "read" | "not_found" | "no_reader" | "no_document_image" | "error";
  /** The upload the MRZ was read from (null unless read). */
  side: "document_front" | "document_back" | null;
  /** The reader's error message when `status` is `error`. */
  error: string | null;
}

export interface MrzOutcome {
  /** Where `parsed` comes from: the image when read there, else the client's lines, else nothing. */
  source: "image" | "declared" | "none";
  /** The OCR reading of the image (null when none). */
  reading: MrzReading | null;
  /** The MRZ the other layers trust: the image's when read, else the client's lines. Check `valid` before use. */
  parsed: ParsedMrz | null;
  /** The lines the client sent, parsed (null when none were sent). */
  declaredParsed: ParsedMrz | null;
  /** Findings about the zones themselves (validity, image vs client lines); the layer adds the declared-data checks. */
  findings: Finding[];
  image: MrzImageAttempt;
}

/** Memo shared by the mrz, vision and registry layers: the MRZ is read once per run. */
export class MrzEvidence {
  private readonly memo = new Map<string, Promise<MrzOutcome>>();

  constructor(private readonly reader: MrzImageReader | null) {}

  of(inputs: PipelineInputs, ctx: LayerContext): Promise<MrzOutcome> {
    let outcome = this.memo.get(inputs.verificationId);
    if (!outcome) {
      outcome = this.examine(inputs, ctx);
      this.memo.set(inputs.verificationId, outcome);
    }
    return outcome;
  }

  private async examine(inputs: PipelineInputs, ctx: LayerContext): Promise<MrzOutcome> {
    const sent = inputs.declared.mrz?.length ? parseMrz(inputs.declared.mrz, { today: ctx.today }) : null;
    const { attempt, reading, parsed: read } = await this.readImage(inputs, ctx);
    const findings: Finding[] = [];
    if (reading && read) findings.push(validityFinding(read, "image", reading, attempt.side));
    if (sent) findings.push(validityFinding(sent, "sent", null, null));
    if (read?.format && sent?.format) {
      const fields = mrzDifferences(read, sent);
      if (fields.length)
        findings.push({ code: "MRZ_MISMATCH", severity: "critical", message: `The MRZ on the image and the MRZ lines sent differ in ${fields.join(", ")}`, data: { fields, compared: "image_and_sent_lines" } });
    }
    if (!reading && !sent && attempt.status === "not_found")
      findings.push({ code: "MRZ_UNREADABLE", severity: "warning", message: "No machine-readable zone could be read on the document images, and none was sent", data: { reason: "not_found" } });
    const source = read ? "image" : sent ? "declared" : "none";
    return { source, reading, parsed: read ?? sent, declaredParsed: sent, findings, image: attempt };
  }

  /**
   * TD1 cards carry the zone on the back, passports on the data page (the front): the back is tried first. A
   * reading whose check digits fail on one side gives the other side a chance before it is kept.
   */
  private async readImage(inputs: PipelineInputs, ctx: LayerContext): Promise<{ attempt: MrzImageAttempt; reading: MrzReading | null; parsed: ParsedMrz | null }> {
    const sides = (["document_back", "document_front"] as const).map((kind) => inputs.media.find((m) => m.kind === kind)).filter((m): m is MediaInput => m !== undefined);
    const none = (status: MrzImageAttempt["status"], error: string | null = null) => ({ attempt: { status, side: null, error }, reading: null, parsed: null });
    if (!sides.length) return none("no_document_image");
    if (!this.reader) return none("no_reader");
    let first: { reading: MrzReading; parsed: ParsedMrz; side: MediaInput["kind"] } | null = null;
    for (const media of sides) {
      let reading: MrzReading | null;
      try {
        reading = await this.reader(media, ctx.images);
      } catch (error) {
        // A reader that fails (model load, memory) fails the same way on the other side: report it, do not retry.
        if (first) break;
        return none("error", error instanceof Error ? error.message : String(error));
      }
      if (!reading) continue;
      const parsed = parseMrz(reading.lines, { today: ctx.today });
      if (parsed.valid) return { attempt: { status: "read", side: media.kind as MrzImageAttempt["side"], error: null }, reading, parsed };
      first ??= { reading, parsed, side: media.kind };
    }
    if (!first) return none("not_found");
    return { attempt: { status: "read", side: first.side as MrzImageAttempt["side"], error: null }, reading: first.reading, parsed: first.parsed };
  }
}

/** One finding per zone, carrying what was read: valid, failed check digits, or not a well-formed zone. */
function validityFinding(parsed: ParsedMrz, source: "image" | "sent", reading: MrzReading | null, side: MrzImageAttempt["side"]): Finding {
  const where = source === "image" ? `on the ${side === "document_back" ? "document back" : "document front"}` : "sent by the client";
  const read = {
    ...(side ? { side } : {}),
    format: parsed.format,
    lines: parsed.lines,
    ...(reading ? { confidence: reading.confidence, band: reading.band, ms: reading.ms, ...(reading.ambiguities ? { ambiguities: reading.ambiguities } : {}) } : {}),
    fields: parsed.fields,
    checks: parsed.checks,
    problems: parsed.problems,
  };
  const checksums = checksumFindings(parsed);
  if (checksums.length) return { ...checksums[0], message: `${checksums[0].message}: the MRZ ${where}`, data: { ...checksums[0].data, source, read } };
  if (!parsed.format)
    return { code: "MRZ_UNREADABLE", severity: "warning", message: `The MRZ ${where} is not an ICAO 9303 zone: ${parsed.reason}`, data: { source, reason: parsed.reason, read } };
  if (parsed.problems.length) {
    const fields = [...new Set(parsed.problems.map((p) => p.field))];
    return { code: "MRZ_UNREADABLE", severity: "warning", message: `The MRZ ${where} has check digits that hold but fields that are no valid ICAO 9303 values (${fields.join(", ")})`, data: { source, fields, read } };
  }
  return { code: "MRZ_VALID", severity: "info", message: `The ${parsed.format} MRZ ${where} is valid: every check digit holds`, data: { source, read } };
}

/**
 * Risk per finding: a failed check digit, a contradicted identity field, an expired document or an underage
 * applicant are near-certain problems; a contradicted given name or country is a doubt; an unreadable zone is
 * only a small doubt (the other layers still judge the document).
 */
function risk(finding: Finding): number {
  switch (finding.code) {
    case "DOCUMENT_EXPIRED":
    case "UNDERAGE":
      return 90;
    case "MRZ_CHECKSUM_FAILED":
      return 85;
    case "MRZ_MISMATCH":
      return finding.severity === "critical" ? 85 : 45;
    case "MRZ_UNREADABLE":
      return finding.severity === "info" ? 0 : 15;
    default:
      return finding.severity === "critical" ? 90 : finding.severity === "warning" ? 40 : 0;
  }
}

function verdictOf(findings: Finding[]): Omit<LayerResult, "layer" | "ms"> {
  const score = Math.max(0, ...findings.map(risk));
  const status = findings.some((f) => f.severity === "critical") ? "failed" : findings.some((f) => f.severity === "warning") ? "warning" : "passed";
  return { status, score, findings };
}

const UNAVAILABLE: Record<string, string> = {
  no_reader: "the MRZ reader is not available (OCR models not loaded)",
  no_document_image: "no document image was uploaded",
  error: "the MRZ reader failed",
};

/**
 * The `mrz` layer. `minimumAge` is the tenant's setting (null: no age check).
 *
 * @example
 * const evidence = new MrzEvidence(reader);
 * const layers = [mrzLayer(evidence, { minimumAge: 18 }), visionLayer(model, evidence)];
 */
export function mrzLayer(evidence: MrzEvidence, options: { minimumAge?: number | null } = {}): Layer {
  return {
    name: "mrz",
    run: (inputs, ctx) =>
      timed("mrz", ctx.clock, async () => {
        const outcome = await evidence.of(inputs, ctx);
        const findings = [...outcome.findings];
        if (outcome.parsed) findings.push(...mismatchFindings(outcome.parsed, inputs.declared).map((f) => ({ ...f, data: { ...f.data, compared: "mrz_and_declared", source: outcome.source === "image" ? "image" : "sent" } })));
        findings.push(...dateFindings(outcome.parsed, inputs.declared, { today: ctx.today, minimumAge: options.minimumAge }));
        if (outcome.source === "none" && outcome.image.status !== "not_found") {
          const reason = UNAVAILABLE[outcome.image.status] ?? outcome.image.status;
          const note: Finding = {
            code: "MRZ_UNREADABLE",
            severity: "info",
            message: `The MRZ was not read: ${reason}${outcome.image.error ? ` (${outcome.image.error})` : ""}, and no MRZ lines were sent`,
            data: { reason: outcome.image.status, ...(outcome.image.error ? { error: outcome.image.error } : {}) },
          };
          // Expiry and age from the declared data still count; with nothing else to say the layer did not run.
          if (!findings.length) return { status: "skipped", score: 0, findings: [note] };
          findings.push(note);
        }
        return verdictOf(findings);
      }),
  };
}
