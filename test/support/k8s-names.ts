// Name and value rules the API server enforces but the OpenAPI schemas do not express
// (apimachinery/pkg/util/validation). Each returns an error message, or undefined if valid.

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

export function dns1123Label(v: string): string | undefined {
  if (v.length > 63) return `"${v}" is longer than 63 characters (DNS-1123 label)`;
  if (!LABEL.test(v)) return `"${v}" is not a DNS-1123 label (lowercase a-z, 0-9 and '-', starting and ending alphanumeric)`;
  return undefined;
}

export function dns1035Label(v: string): string | undefined {
  if (v.length > 63) return `"${v}" is longer than 63 characters (DNS-1035 label)`;
  if (!DNS1035.test(v)) return `"${v}" is not a DNS-1035 label (lowercase a-z, 0-9 and '-', starting with a letter, ending alphanumeric)`;
  return undefined;
}

export function dns1123Subdomain(v: string): string | undefined {
  if (v.length > 253) return `"${v}" is longer than 253 characters (DNS-1123 subdomain)`;
  if (v === '' || !v.split('.').every((part) => LABEL.test(part))) {
    return `"${v}" is not a DNS-1123 subdomain (dot-separated lowercase labels of a-z, 0-9 and '-')`;
  }
  return undefined;
}

/** RBAC objects may be named like "system:auth-delegator": any path segment is allowed. */
export function pathSegment(v: string): string | undefined {
  if (v === '' || v === '.' || v === '..' || /[/%]/.test(v)) return `"${v}" is not a valid path segment name (no '/', '%', '.' or '..')`;
  return undefined;
}

export function checkName(v: string, rule: NameRule): string | undefined {
  switch (rule) {
    case 'dns1123-subdomain':
      return dns1123Subdomain(v);
    case 'dns1123-label':
      return dns1123Label(v);
    case 'dns1035-label':
      return dns1035Label(v);
    case 'path-segment':
      return pathSegment(v);
  }
}

/** Label and annotation keys: optional DNS subdomain prefix, '/', then a 1..63 character name. */
export function qualifiedName(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && dns1123Subdomain(prefix) !== undefined) return `key "${key}" has an invalid prefix (must be a DNS-1123 subdomain)`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME_PART.test(name)) {
    return `key "${key}" is not a qualified name (1-63 characters of A-Z a-z 0-9 '-' '_' '.', alphanumeric at both ends, optional "prefix/")`;
  }
  return undefined;
}

export function labelValue(v: string): string | undefined {
  if (v.length > 63 || !LABEL_VALUE.test(v)) return `label value "${v}" is invalid (at most 63 characters of A-Z a-z 0-9 '-' '_' '.', alphanumeric at both ends)`;
  return undefined;
}

/** ConfigMap and Secret data keys. */
export function configKey(key: string): string | undefined {
  if (key.length === 0 || key.length > 253 || !CONFIG_KEY.test(key)) return `key "${key}" is invalid (1-253 characters of A-Z a-z 0-9 '-' '_' '.')`;
  return undefined;
}

/** IANA_SVC_NAME, the form of every named port. */
export function portName(v: string): string | undefined {
  const ok = v.length >= 1 && v.length <= 15 && /^[-a-z0-9]+$/.test(v) && /[a-z]/.test(v) && !v.includes('--') && !v.startsWith('-') && !v.endsWith('-');
  return ok ? undefined : `"${v}" is not a valid port name (1-15 characters of a-z 0-9 '-', at least one letter, no leading, trailing or double '-')`;
}

/** A port given as a number must be 1..65535; as a string (where allowed) it must be a port name. */
export function portValue(v: unknown, allowName: boolean): string | undefined {
  if (typeof v === 'number') {
    return Number.isInteger(v) && v >= 1 && v <= 65535 ? undefined : `port ${v} is out of range 1..65535`;
  }
  if (typeof v === 'string' && allowName) return portName(v);
  return undefined; // wrong types are the schema's to report
}
