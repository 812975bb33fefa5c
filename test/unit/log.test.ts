import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../src/lib/log";

describe("log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("drops the bound values of a failed query, which may be personal data", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const err = new Error('Failed query: insert into "users" ("email") values (?)\nparams: erika@example.org,Erika Mustermann');
    log.error("request_failed", { request_id: "r1", error: err });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("erika@example.org");
    expect(JSON.parse(lines[0])).toMatchObject({ level: "error", event: "request_failed", request_id: "r1" });
    expect(lines[0]).toContain("params: [redacted]");
  });
});
