export const SCALAR_ASSET: { file: string; url: string };
export function ensureDocsAssets(): { file: string; version: string; copied: boolean };
