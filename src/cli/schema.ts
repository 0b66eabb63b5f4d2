// `mailu-k8s schema`: the config's JSON Schema for editors, describing what users may write.
import { z } from 'zod';
import { configSchema } from '../config/schema.js';

type Json = Record<string, unknown>;

/**
 * Two places where zod's input schema is stricter than the parser: a block may leave out its
 * selector (exposure.mode, web.kind, …: the parser infers it or takes the default), and defaults
 * behind a transform (sizes) are not shown. Without these fixes an editor would flag valid configs.
 */
function editorFriendly(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const def = (ctx.zodSchema as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
  const js = ctx.jsonSchema;
  if (def.type === 'default' && js.default === undefined) js.default = def.defaultValue;
  const options = js.oneOf as Json[] | undefined;
  const selector = options && commonConst(options);
  if (options && selector) {
    for (const o of options) o.required = ((o.required as string[] | undefined) ?? []).filter((k) => k !== selector);
    js.anyOf = options; // without the selector several variants may match: anyOf, not oneOf
    delete js.oneOf;
  }
}

/** The property every option pins with `const` (the union's selector), if any. */
function commonConst(options: Json[]): string | undefined {
  const first = options[0]?.properties as Record<string, Json> | undefined;
  if (!first) return undefined;
  return Object.keys(first).find((k) => options.every((o) => (o.properties as Record<string, Json> | undefined)?.[k]?.const !== undefined));
}

export function configJsonSchema(): Json {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12', override: editorFriendly }) as Json;
}

export async function runSchema(): Promise<number> {
  const schema = { ...configJsonSchema(), title: 'mailu-k8s config' };
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}
