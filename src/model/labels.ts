// Labels every object carries. Selectors use the stable subset (name, instance, component).
import type { ComponentName } from '../config/schema.js';

export const MANAGED_BY = 'mailu-k8s';

export function selectorLabels(instance: string, component: ComponentName | string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'mailu',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
  };
}

export function objectLabels(instance: string, component: ComponentName | string): Record<string, string> {
  return {
    ...selectorLabels(instance, component),
    'app.kubernetes.io/part-of': 'mailu',
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Labels for objects that belong to the instance but to no single component. */
export function instanceLabels(instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'mailu',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/part-of': 'mailu',
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
