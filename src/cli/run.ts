// Exit codes: 0 success, 1 internal error (or failed checks, for the doctor), 2 invalid input.
import { ConfigError } from '../config/errors.js';

export async function runCommand(fn: () => Promise<number | void>): Promise<void> {
  try {
    const code = await fn();
    process.exitCode = code ?? 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const line of e.message.split('\n')) process.stderr.write(`error: ${line}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  }
}

export function printWarnings(warnings: string[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
}
