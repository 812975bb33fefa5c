export function generateDevSecrets(): Promise<Record<string, string>>;
