// Resolve hook: `zod` imported from src/ (except by the stand-in itself) is the stand-in.
const sources = new URL('../../src/', import.meta.url).href;
const shim = new URL('../../src/validation/fast-schema.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (specifier === 'zod' && parent.startsWith(sources) && parent !== shim) return { url: shim, shortCircuit: true };
  return next(specifier, context);
}
