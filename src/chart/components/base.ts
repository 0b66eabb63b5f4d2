import type { ComponentModel } from '../../model/components.js';
import type { EnvVar } from '../../model/env.js';
import type { ChartContext } from '../context.js';

/** Props every component construct takes: the shared context and its own slice of the model. */
export interface ComponentProps {
  ctx: ChartContext;
  component: ComponentModel;
  /** Component-only environment (secret references, settings). */
  env?: EnvVar[];
  /** Extra pod template annotations (e.g. which volumes Velero copies). */
  podAnnotations?: Record<string, string>;
}
