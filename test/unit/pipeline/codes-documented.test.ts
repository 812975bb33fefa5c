/**
 * Every reason code is explained in README.md's table, and every code test mode can force is one a live layer
 * produces: integrators read the table to handle reasons and use the sandbox to exercise them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REASON_CODES } from "../../../src/pipeline/codes";
import { SANDBOX_CODES, sandboxDecision, sandboxLayer } from "../../../src/pipeline/sandbox";
import { DEFAULT_SETTINGS } from "../../../src/pipeline/settings";
import { decodeOnce } from "../../../src/pipeline/images";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const table = readme.slice(readme.indexOf("### Reason codes"), readme.indexOf("### Test mode"));

describe("reason codes", () => {
  it("are each explained in README's table of codes", () => {
    const missing = REASON_CODES.filter((code) => !table.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it("can each be forced in test mode by last name, and are decided by the tenant's rules", async () => {
    const ctx = { clock: () => 0, today: "2026-12-03", images: decodeOnce() };
    for (const code of Object.keys(SANDBOX_CODES)) {
      const inputs = { verificationId: "v", tenantId: "t", declared: { firstName: "A", lastName: code.toLowerCase(), dateOfBirth: "1990-01-01", country: null, documentType: "id_card", documentNumber: null, documentIssuingCountry: null, documentExpiry: null, mrz: null }, media: [], request: { country: null, ip: null } };
      const result = await sandboxLayer.run(inputs, ctx);
      expect(result.findings.map((f) => f.code)).toEqual([code]);
      const outcome = sandboxDecision(inputs.declared.lastName, [result], DEFAULT_SETTINGS);
      expect(outcome.reasons).toContain(code);
      const expected = DEFAULT_SETTINGS.hard_fail_codes.includes(code as never) ? "not_verified" : "manual_review";
      expect(outcome.decision, code).toBe(expected);
    }
  });
});
