import { z } from 'zod';
import { configSchema } from '../config/schema.js';

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}

export async function runSchema(): Promise<number> {
  const schema = { ...configJsonSchema(), title: 'mailu-k8s config' };
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}
