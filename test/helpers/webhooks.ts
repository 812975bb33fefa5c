/**
 * The webhook receiver of the workers tests (test/webhook-receiver.mjs, a real Node HTTP server) seen from a test:
 * where to point an endpoint, what arrived, how to program its answers, and polling until deliveries land.
 */
import { env } from "cloudflare:test";

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** The URL of an inbox on the receiver (http://127.0.0.1:<port>/r/<inbox>, allowed because ENVIRONMENT=test). */
export const inboxUrl = (inbox: string) => `${env.RECEIVER_ORIGIN}/r/${inbox}`;

/** A fresh inbox name, unique in the run. */
export const newInbox = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

/** What the inbox received, in arrival order. */
export async function received(inbox: string): Promise<Received[]> {
  return (await env.RECEIVER.fetch(`http://receiver/received?inbox=${inbox}`)).json();
}

/** The answers the inbox gives to its next requests, in order (then 200). */
export async function program(inbox: string, responses: { status: number; retry_after?: number; location?: string }[]): Promise<void> {
  await env.RECEIVER.fetch("http://receiver/program", { method: "POST", body: JSON.stringify({ inbox, responses }) });
}

/** Polls until `done` holds (deliveries go through the queue); fails with what was last seen. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out; last seen: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 150));
    value = await read();
  }
  return value;
}
