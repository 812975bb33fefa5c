export const SEED_FILE: string;
export function seedDemo(base?: string): Promise<{
  created: boolean;
  tenant_id: string;
  user_id: string;
  email: string;
  password: string;
  api_keys: { live: string; test: string };
}>;
