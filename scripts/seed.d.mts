export const DEMO_EMAIL: string;
export function hashPassword(password: string, iterations?: number): Promise<string>;
export function seedDemo(): Promise<{
  created: boolean;
  tenant_id: string;
  user_id: string;
  email: string;
  password: string;
  api_keys: { live: string; test: string };
}>;
