/**
 * The console's SVG charts (src/console/charts.tsx) in Node: bars proportional to their values against the scale,
 * zero / negative / empty data drawn as nothing rather than NaN, labels escaped, and the accessible parts (role,
 * title, description, the data table) present in the markup. Also the auditor pages' pure helpers: the period and
 * its buckets, query parsing, and the chain check in words.
 */
import { describe, expect, it } from "vitest";
import { auditHref, chainVerdict, metadataLines, parseAuditFilters } from "../../src/console/auditor/audit-page";
import { parseStatsSelection, statsBuckets, statsPeriod } from "../../src/console/auditor/stats-page";
import { BarChart, HBAR, SERIES, SeriesChart, describe as describeBars, horizontalBars, seriesBars } from "../../src/console/charts";

const html = async (node: unknown) => String(await Promise.resolve((node as { toString(): string | Promise<string> }).toString()));
const PLOT_WIDTH = HBAR.width - HBAR.labelWidth - HBAR.valueWidth;

describe("horizontalBars", () => {
  it("makes each bar's width proportional to its value, the largest filling the plot", () => {
    const { bars } = horizontalBars([
      { label: "verified", value: 6 },
      { label: "not_verified", value: 3 },
      { label: "error", value: 1 },
    ]);
    expect(bars.map((b) => b.width)).toEqual([PLOT_WIDTH, PLOT_WIDTH / 2, PLOT_WIDTH / 6].map((w) => Math.round(w * 100) / 100));
    expect(bars[0].width / bars[1].width).toBeCloseTo(2, 5);
    // Stacked one under the other, never overlapping.
    for (let i = 1; i < bars.length; i++) expect(bars[i].y).toBeGreaterThanOrEqual(bars[i - 1].y + bars[i - 1].height);
  });

  it("uses a given full scale: a rate of 0.25 out of 1 is a quarter of the plot", () => {
    const { bars } = horizontalBars([{ label: "approve", value: 0.25, text: "25.0 %" }], 1);
    expect(bars[0].width).toBe(PLOT_WIDTH / 4);
    expect(bars[0].text).toBe("25.0 %");
  });

  it("draws zero, negative and non-finite values as zero-width bars, and all-zero data without dividing by zero", () => {
    const { bars } = horizontalBars([
      { label: "a", value: 0 },
      { label: "b", value: -4 },
      { label: "c", value: Number.NaN },
      { label: "d", value: Number.POSITIVE_INFINITY },
    ]);
    expect(bars.map((b) => b.width)).toEqual([0, 0, 0, 0]);
    expect(bars.every((b) => Number.isFinite(b.x) && Number.isFinite(b.y))).toBe(true);
  });

  it("gives an empty list a chart of only its padding", () => {
    expect(horizontalBars([])).toEqual({ width: HBAR.width, height: HBAR.padding * 2, bars: [] });
  });
});

describe("seriesBars", () => {
  it("makes heights proportional to values, bars standing on one baseline in equal slots", () => {
    const { bars, baseline } = seriesBars([
      { label: "12-01", value: 2 },
      { label: "12-02", value: 4 },
      { label: "12-03", value: 0 },
    ]);
    expect(bars[1].height).toBeCloseTo(bars[0].height * 2, 1);
    expect(bars[2].height).toBe(0);
    for (const b of bars) expect(b.y + b.height).toBeCloseTo(baseline, 5);
    expect(bars[1].x - bars[0].x).toBeCloseTo(bars[2].x - bars[1].x, 5);
    expect(bars.at(-1)!.x + bars.at(-1)!.width).toBeLessThanOrEqual(SERIES.width - SERIES.padding);
  });

  it("handles all-zero and empty series", () => {
    expect(seriesBars([{ label: "x", value: 0 }]).bars[0]).toMatchObject({ height: 0 });
    expect(seriesBars([]).bars).toEqual([]);
  });
});

describe("BarChart and SeriesChart markup", () => {
  it("renders an svg named by its title and description, one rect per datum, and the numbers in a table", async () => {
    const out = await html(BarChart({ id: "by-status", title: "Created, by status", data: [{ label: "verified", value: 3 }, { label: "error", value: 1 }] }));
    expect(out).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="by-status-title by-status-desc"/);
    expect(out).toContain('<title id="by-status-title">Created, by status</title>');
    expect(out).toContain('<desc id="by-status-desc">2 bars; the largest is verified: 3.</desc>');
    expect(out.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(out).toMatch(/<th scope="row">verified<\/th><td>3<\/td>/);
    expect(out).not.toContain("<script");
    expect(out).not.toContain("NaN");
  });

  it("escapes labels and values in the svg and in the table", async () => {
    const evil = `<script>alert("x")</script> & co`;
    const out = await html(SeriesChart({ id: "s", title: `T <b>`, data: [{ label: evil, value: 1, text: `<i>1</i>` }] }));
    expect(out).not.toContain("<script>");
    expect(out).not.toContain("<b>");
    expect(out).not.toContain("<i>1</i>");
    expect(out).toContain("&lt;script&gt;");
    expect(out).toContain("&amp; co");
  });

  it("shows a note instead of an empty chart", async () => {
    const out = await html(BarChart({ id: "none", title: "Reason codes", data: [] }));
    expect(out).toContain("Nothing in this period.");
    expect(out).not.toContain("<svg");
  });

  it("describes all-zero data as such", () => {
    expect(describeBars(horizontalBars([{ label: "a", value: 0 }]).bars)).toBe("1 bar, all zero.");
  });
});

describe("auditor page helpers", () => {
  it("statsPeriod covers whole UTC days up to today, and statsBuckets cut it into equal parts that add up to it", () => {
    const now = Date.parse("2026-12-03T22:45:00Z");
    for (const [days, bars] of [[7, 7], [30, 10], [90, 9]] as const) {
      const { from, to } = statsPeriod(now, days);
      expect(new Date(to).toISOString()).toBe("2026-12-04T00:00:00.000Z");
      expect(to - from).toBe(days * 86_400_000);
      const buckets = statsBuckets(to, days);
      expect(buckets).toHaveLength(bars);
      expect(buckets[0].from).toBe(from);
      expect(buckets.at(-1)!.to).toBe(to);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i].from).toBe(buckets[i - 1].to);
    }
    expect(statsBuckets(statsPeriod(now, 7).to, 7).at(-1)!.label).toBe("2026-12-03");
  });

  it("parses only the periods, worlds, filters and cursors it offers", () => {
    expect(parseStatsSelection({})).toEqual({ ok: true, value: { days: 30, mode: undefined } });
    expect(parseStatsSelection({ days: "90", mode: "live" })).toEqual({ ok: true, value: { days: 90, mode: "live" } });
    expect(parseStatsSelection({ days: "8" }).ok).toBe(false);
    expect(parseStatsSelection({ mode: "prod" }).ok).toBe(false);
    expect(parseAuditFilters({ action: " auth.login ", target_id: "", cursor: "41", check: "full" })).toEqual({ ok: true, value: { action: "auth.login", cursor: "41", full: true } });
    expect(parseAuditFilters({ cursor: "41; drop" }).ok).toBe(false);
    expect(auditHref({ action: "a&b", full: false }, { cursor: "7" })).toBe("/console/audit?action=a%26b&cursor=7");
  });

  it("words the chain check: intact with its head, or the break with its seq and reason", () => {
    const base = { events: 4, from_seq: 0, pending: 1, head: { seq: 4, hash: "h" } };
    const ok = chainVerdict({ valid: true, ...base }, Date.parse("2026-12-03T22:00:00Z"));
    expect(ok).toMatchObject({ intact: true, headline: "Chain intact up to seq 4, head signed at 2026-12-03T22:00:00.000Z." });
    expect(ok.detail).toContain("1 newer event is waiting to be sealed");
    const cut = chainVerdict({ valid: false, ...base, broken_at: { seq: 5, reason: "truncated", message: "the log ends early", head_seq: 6, log_end_seq: 4 } }, null);
    expect(cut.intact).toBe(false);
    expect(cut.headline).toBe("Chain broken at seq 5: events were removed from the end of the log (the signed head says seq 6, the log ends at 4).");
    expect(chainVerdict({ valid: true, events: 0, from_seq: 0, pending: 0, head: null }, null).headline).toMatch(/No event has been sealed yet/);
    expect(metadataLines({ via: "console", n: 2, scopes: ["faces"] })).toEqual(["via: console", "n: 2", 'scopes: ["faces"]']);
  });
});
