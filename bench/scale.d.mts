/** examples/full.yaml scaled by `factor` (1 = the file as it is), as YAML text. */
export function scaledConfig(factor: number): string;
