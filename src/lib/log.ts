/**
 * Structured JSON logs (Workers Logs index JSON fields). Callers pass ids and codes, never personal data or
 * secrets; errors are reduced to name, message and stack.
 */
type Fields = Record<string, unknown>;

/** drizzle puts the bound values of a failed query into the message ("…\nparams: a,b,c"); they may be personal data. */
const withoutParams = (text: string | undefined) => text?.replace(/\nparams:[\s\S]*?(?=\n\s+at |$)/, "\nparams: [redacted]");

function serialise(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] =
      v instanceof Error
        ? { name: v.name, message: withoutParams(v.message), stack: withoutParams(v.stack), cause: v.cause instanceof Error ? withoutParams(v.cause.message) : undefined }
        : v;
  }
  return out;
}

export const log = {
  info: (event: string, fields: Fields = {}) => console.log(JSON.stringify({ level: "info", event, ...serialise(fields) })),
  warn: (event: string, fields: Fields = {}) => console.warn(JSON.stringify({ level: "warn", event, ...serialise(fields) })),
  error: (event: string, fields: Fields = {}) => console.error(JSON.stringify({ level: "error", event, ...serialise(fields) })),
};
