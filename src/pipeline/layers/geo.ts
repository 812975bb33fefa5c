/**
 * The `geo` layer: where the applicant's network is, and how often this key, tenant and document were used lately.
 *
 * Whose network: a server-to-server call's own `request.cf` is the tenant's data centre, never the applicant's, so
 * the layer only looks at observations about the applicant — what a tenant's server passes on (`applicant.device`:
 * country, ASN, anonymity as its own edge saw them; `applicant.ip` for the record) and, once the hosted capture page
 * exists, the `request.cf` of uploads the applicant's own device sent. Without any → `NETWORK_UNKNOWN` (info) and
 * the network part is left out. Travellers and expatriates are common, so a country that matches neither the declared
 * country nor the document's issuer only adds risk (`GEO_MISMATCH`); Tor (Cloudflare's `T1`) or a network the tenant
 * marks anonymous adds more (`ANONYMOUS_NETWORK`).
 *
 * Velocity: verifications created in sliding windows before this one (same tenant and mode) — by the same API key,
 * by the whole tenant, and with the same document number (keyed hash, the declared number or the MRZ's when its
 * check digits hold). Counts at or over the tenant's limits → `VELOCITY_HIGH` with the counts and limits as data.
 * Windows end at the verification's creation, so running the layer again gives the same answer.
 */
import { parseCountry } from "../../lib/countries";
import type { DecisionSettings } from "../settings";
import type { Finding, Layer, LayerContext, LayerResult, NetworkObservation, PipelineInputs } from "../types";
import { timed } from "../types";
import type { MrzEvidence } from "./mrz";

/** Verifications counted in each window, not counting the one being decided. */
export interface VelocityCounts {
  /** By the API key that created this verification (null when a signed-in user created it). */
  key_per_hour: number | null;
  tenant_per_hour: number;
  /** With the same document number (null when no number is known). */
  document_per_day: number | null;
}

/** Counts earlier verifications; the caller binds tenant, mode, creator and creation time. */
export type VelocityCounter = (documentNumber: string | null) => Promise<VelocityCounts>;

export type VelocityLimits = DecisionSettings["velocity"];

/** Cloudflare writes `T1` as the country of Tor exit nodes. */
const TOR_COUNTRY = "T1";

const alpha2 = (code: string | null | undefined): string | null => (code ? (parseCountry(code)?.code ?? code.toUpperCase()) : null);

/**
 * The network findings for the applicant's observations against the declared and the document's country.
 * @example networkFindings([{ source: "tenant", country: "FR", asn: 3215, anonymous: false, ip: null }], "DE", "DE")
 * // → [{ code: "GEO_MISMATCH", … }]
 */
export function networkFindings(observations: NetworkObservation[], declaredCountry: string | null, documentCountry: string | null): { findings: Finding[]; score: number } {
  if (!observations.length) return { findings: [{ code: "NETWORK_UNKNOWN", severity: "info", message: "No observation of the applicant's network (none passed on by the tenant, no upload from the applicant's device)" }], score: 0 };
  const findings: Finding[] = [];
  let score = 0;
  const anonymous = observations.filter((o) => o.anonymous || o.country === TOR_COUNTRY);
  if (anonymous.length) {
    findings.push({
      code: "ANONYMOUS_NETWORK",
      severity: "warning",
      message: "The applicant's network is Tor or another anonymising network",
      data: { sources: [...new Set(anonymous.map((o) => o.source))], tor: anonymous.some((o) => o.country === TOR_COUNTRY) },
    });
    score = Math.max(score, 60);
  }
  const expected = [alpha2(declaredCountry), alpha2(documentCountry)].filter((c): c is string => !!c);
  const located = observations.filter((o) => o.country && o.country !== TOR_COUNTRY);
  const elsewhere = located.filter((o) => expected.length && !expected.includes(alpha2(o.country) as string));
  if (elsewhere.length) {
    findings.push({
      code: "GEO_MISMATCH",
      severity: "warning",
      message: "The applicant's network is in a country other than the declared country and the document's issuer",
      data: { network_countries: [...new Set(elsewhere.map((o) => alpha2(o.country)))], expected_countries: [...new Set(expected)], sources: [...new Set(elsewhere.map((o) => o.source))] },
    });
    score = Math.max(score, 40);
  }
  if (!findings.length)
    findings.push({
      code: "GEO_CONSISTENT",
      severity: "info",
      message: located.length ? "The applicant's network is in the declared or the document's country" : "The applicant's network was observed, without a country",
      data: { network_countries: [...new Set(located.map((o) => alpha2(o.country)))], asns: [...new Set(observations.map((o) => o.asn).filter((a) => a !== null))] },
    });
  return { findings, score };
}

/**
 * The velocity finding when a count reaches its limit (null otherwise).
 * @example velocityFinding({ key_per_hour: 3, tenant_per_hour: 3, document_per_day: 4 }, { key_per_hour: 500, tenant_per_hour: 5000, document_per_day: 3 })
 * // → { code: "VELOCITY_HIGH", data: { exceeded: ["document_per_day"], … } }
 */
export function velocityFinding(counts: VelocityCounts, limits: VelocityLimits): Finding | null {
  const exceeded = (Object.keys(limits) as (keyof VelocityLimits)[]).filter((k) => counts[k] !== null && (counts[k] as number) >= limits[k]);
  if (!exceeded.length) return null;
  return {
    code: "VELOCITY_HIGH",
    severity: "warning",
    message: `Unusually many verifications in a short time (${exceeded.join(", ")})`,
    data: { exceeded, counts, limits },
  };
}

/** The document number to count: the MRZ's when its check digits hold, else the declared one. */
async function presentedNumber(mrz: MrzEvidence | null, inputs: PipelineInputs, ctx: LayerContext): Promise<string | null> {
  const outcome = mrz ? await mrz.of(inputs, ctx) : null;
  const read = outcome?.parsed?.valid ? outcome.parsed.fields.documentNumber : null;
  return read || inputs.declared.documentNumber;
}

export function geoLayer(velocity: VelocityCounter | null, limits: VelocityLimits, mrz: MrzEvidence | null): Layer {
  return {
    name: "geo",
    run: (inputs, ctx) =>
      timed("geo", ctx.clock, async (): Promise<Omit<LayerResult, "ms" | "layer">> => {
        const network = networkFindings(inputs.network ?? [], inputs.declared.country, inputs.declared.documentIssuingCountry);
        const findings = [...network.findings];
        let score = network.score;
        if (velocity) {
          const counts = await velocity(await presentedNumber(mrz, inputs, ctx));
          const fast = velocityFinding(counts, limits);
          if (fast) {
            findings.push(fast);
            score = Math.max(score, 60);
          }
        }
        const known = (inputs.network ?? []).length > 0;
        if (!known && !velocity) return { status: "skipped", score: 0, findings };
        const warned = findings.some((f) => f.severity !== "info");
        return { status: warned ? "warning" : "passed", score, findings };
      }),
  };
}
