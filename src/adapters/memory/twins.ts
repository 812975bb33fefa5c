/**
 * In-memory twins of the ports, for pure tests (Node) and fault injection in workerd tests. Each keeps its state in
 * plain arrays and maps that tests can inspect, and `failOn` makes a chosen operation throw (or, for the outbox,
 * produce a row that D1 refuses inside the batch, to prove the batch rolls back as a whole).
 */
import { DEFAULT_SETTINGS } from "../../pipeline/settings";
import type { DecisionSettings } from "../../pipeline/settings";
import type { Clock, JobQueue, MediaStore, Outbox, OutboxRow, SettingsStore, StatusEvent, StatusEvents, VerificationJob } from "../../ports";
import type { Gallery, GalleryFace } from "../../pipeline/layers/biometrics";

import { InjectedFault } from "../../faults/injected-fault";

export { InjectedFault };

/** A clock that stands still until moved. */
export function fixedClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export function memoryMediaStore(opts: { failOn?: "put" | "get" | "delete" } = {}): MediaStore & { objects: Map<string, { bytes: Uint8Array; contentType: string }> } {
  const objects = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const fail = (op: string) => {
    if (opts.failOn === op) throw new InjectedFault(`media ${op}`);
  };
  return {
    objects,
    async put(key, bytes, meta) {
      fail("put");
      objects.set(key, { bytes: bytes.slice(), contentType: meta.contentType });
    },
    async get(key) {
      fail("get");
      return objects.get(key)?.bytes.slice() ?? null;
    },
    async open(key) {
      fail("get");
      const o = objects.get(key);
      return o ? { body: new Response(o.bytes).body!, contentType: o.contentType, size: o.bytes.byteLength } : null;
    },
    async delete(keys) {
      fail("delete");
      for (const k of keys) objects.delete(k);
    },
    async deletePrefix(prefix) {
      fail("delete");
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix));
      for (const k of keys) objects.delete(k);
      return keys.length;
    },
    async list(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix));
    },
  };
}

export function memoryJobQueue(opts: { fail?: boolean } = {}): JobQueue & { jobs: VerificationJob[] } {
  const jobs: VerificationJob[] = [];
  return {
    jobs,
    async enqueue(job) {
      if (opts.fail) throw new InjectedFault("enqueue");
      jobs.push(job);
    },
  };
}

export function memoryStatusEvents(opts: { fail?: boolean } = {}): StatusEvents & { events: Map<string, StatusEvent[]> } {
  const events = new Map<string, StatusEvent[]>();
  return {
    events,
    async publish(event) {
      if (opts.fail) throw new InjectedFault("status event publish");
      const list = events.get(event.verification_id) ?? [];
      if (!list.some((e) => e.seq === event.seq)) list.push(event);
      events.set(event.verification_id, list);
    },
    async clear(verificationId) {
      events.delete(verificationId);
    },
    async stream({ verificationId }) {
      const body = (events.get(verificationId) ?? []).map((e) => `id: ${e.seq}\nevent: status\ndata: ${JSON.stringify(e)}\n\n`).join("");
      return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
    },
  };
}

export function memorySettingsStore(initial: DecisionSettings = DEFAULT_SETTINGS): SettingsStore {
  const rows = new Map<string, { version: number; settings: DecisionSettings }>();
  const versions = new Map<string, { version: number; settings: DecisionSettings; savedAt: number; savedBy: string | null }[]>();
  return {
    async get(tenantId) {
      return rows.get(tenantId) ?? { version: 0, settings: initial };
    },
    async save(tenantId, settings, by, expectedVersion) {
      if ((rows.get(tenantId)?.version ?? 0) !== expectedVersion) return null;
      const saved = { version: expectedVersion + 1, settings };
      rows.set(tenantId, saved);
      versions.set(tenantId, [...(versions.get(tenantId) ?? []), { ...saved, savedAt: Date.now(), savedBy: by }]);
      return saved;
    },
    async atVersion(tenantId, version) {
      if (version === 0) return initial;
      return versions.get(tenantId)?.find((v) => v.version === version)?.settings ?? null;
    },
    async history(tenantId, limit) {
      return [...(versions.get(tenantId) ?? [])].reverse().slice(0, limit).map(({ version, savedAt, savedBy }) => ({ version, savedAt, savedBy }));
    },
  };
}

/**
 * An outbox twin. `failOn: "stage"` throws while the caller builds its batch; `"commit"` returns a row without an
 * id, which D1 refuses (NOT NULL) inside the batch, so everything staged beside it must roll back;
 * `"flush"` fails every publication (rows stay unpublished for the next flush).
 */
export function memoryOutbox(opts: { failOn?: "stage" | "commit" | "flush"; clock?: Clock } = {}): Outbox & { staged: OutboxRow[]; published: string[] } {
  const staged: OutboxRow[] = [];
  const published: string[] = [];
  let n = 0;
  return {
    staged,
    published,
    stage(e) {
      if (opts.failOn === "stage") throw new InjectedFault("outbox stage");
      const row: OutboxRow = {
        id: opts.failOn === "commit" ? (null as unknown as string) : `evt_memory_${++n}`,
        tenantId: e.tenantId,
        mode: e.mode,
        type: e.type,
        verificationId: e.verificationId ?? null,
        payload: e.payload,
        createdAt: opts.clock?.now() ?? 0,
      };
      staged.push(row);
      return row;
    },
    async flush() {
      if (opts.failOn === "flush") return { published: 0, failed: staged.length };
      const fresh = staged.filter((r) => r.id && !published.includes(r.id));
      published.push(...fresh.map((r) => r.id));
      return { published: fresh.length, failed: 0 };
    },
  };
}

/**
 * A gallery twin for the duplicates layer: earlier applicants held in arrays. `fail` makes every search throw (the
 * job must retry, not decide without the search).
 */
export function memoryGallery(
  entries: {
    faces?: (GalleryFace & { sameApplicant: boolean })[];
    documentReuse?: { verificationId: string; sameApplicant: boolean }[];
    documentImages?: { verificationId: string; hash: string; sameApplicant: boolean }[];
  } = {},
  opts: { fail?: boolean } = {},
): Gallery {
  const same = new Set([...(entries.faces ?? []), ...(entries.documentReuse ?? []), ...(entries.documentImages ?? [])].filter((e) => e.sameApplicant).map((e) => e.verificationId));
  return {
    async faces() {
      if (opts.fail) throw new InjectedFault("gallery faces");
      return (entries.faces ?? []).map(({ verificationId, embedding }) => ({ verificationId, embedding }));
    },
    async documentNumberReuse() {
      if (opts.fail) throw new InjectedFault("gallery documents");
      return entries.documentReuse ?? [];
    },
    async documentImages() {
      if (opts.fail) throw new InjectedFault("gallery document images");
      return (entries.documentImages ?? []).map(({ verificationId, hash }) => ({ verificationId, hash }));
    },
    async sameApplicant(ids) {
      if (opts.fail) throw new InjectedFault("gallery applicants");
      return new Set(ids.filter((id) => same.has(id)));
    },
  };
}
