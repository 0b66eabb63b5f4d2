// Preloaded into a benchmarked process: reports its peak RSS (KiB) on exit to the file in RSS_OUT.
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  if (process.env.RSS_OUT) writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS));
});
