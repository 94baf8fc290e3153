import { KilnError } from '../core/errors.js';
import type { ResourceRecord } from '../store/store.js';

export interface Filter {
  readonly name?: string;
  readonly values?: readonly string[];
}

/** How a filter name reads a value off a record. */
export type FilterFields = Record<string, (r: ResourceRecord) => string | readonly string[] | undefined>;

/**
 * Compiles `filters` into a predicate: values within a filter are OR-ed, filters are AND-ed,
 * matching is exact and case-sensitive as in the service. Unknown names are a clear error.
 */
export function compileFilters(
  filters: readonly Filter[] | undefined,
  fields: FilterFields,
  member = 'filters',
) {
  const checks = (filters ?? []).map((f, i) => {
    const read = f.name ? fields[f.name] : undefined;
    if (!f.name || !read) {
      throw new KilnError(
        'InvalidParameterValueException',
        `The value supplied for parameter '${member}[${i}].name' is not valid. Unknown filter '${f.name ?? ''}'.`,
        { hint: `Filters here: ${Object.keys(fields).join(', ')}.` },
      );
    }
    const wanted = new Set(f.values ?? []);
    return (r: ResourceRecord) => {
      const v = read(r);
      if (v === undefined) return false;
      return typeof v === 'string' ? wanted.has(v) : v.some((x) => wanted.has(x));
    };
  });
  return (r: ResourceRecord) => checks.every((check) => check(r));
}

/** Reads a string member of a stored body. */
export const bodyField =
  (key: string) =>
  (r: ResourceRecord): string | undefined => {
    const v = r.body[key];
    return typeof v === 'string' ? v : undefined;
  };

export const bodyList =
  (key: string) =>
  (r: ResourceRecord): readonly string[] | undefined => {
    const v = r.body[key];
    return Array.isArray(v) ? (v as string[]) : undefined;
  };
