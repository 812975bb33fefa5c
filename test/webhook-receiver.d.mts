/** Types of test/webhook-receiver.mjs (the real HTTP receiver of the workers tests). */
export function startWebhookReceiver(): Promise<{ origin: string; control: (request: Request) => Promise<Response> }>;
