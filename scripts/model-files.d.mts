export interface ModelManifest {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  source: { package: string; version: string; path: string; sha256?: string; bytes?: number };
  derive?: { head: { weight: string; bias: string } };
  classes?: unknown;
}
export function readManifests(root: string): Promise<ModelManifest[]>;
export function modelBytes(root: string, manifest: ModelManifest | object): Promise<Uint8Array>;
