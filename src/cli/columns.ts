import { versionOf } from '../apply/resources.js';
import type { Obj } from '../apply/resources.js';
import { formatVersion } from '../core/semver.js';
import type { Column } from './table.js';

/** Columns most resource tables share. */
export const nameColumn: Column<Obj> = { header: 'name', value: (r) => str(r.name) };
export const arnColumn: Column<Obj> = { header: 'arn', value: (r) => str(r.arn) };
export const versionColumn: Column<Obj> = {
  header: 'version',
  value: (r) => {
    const v = versionOf(r);
    return v ? formatVersion(v) : undefined;
  },
};

/** ISO strings pass through (to the second); epoch-second numbers (lifecycle policies) convert. */
export const dateColumn = (key: string, header = 'created'): Column<Obj> => ({
  header,
  value: (r) => {
    const v = r[key];
    if (typeof v === 'number') return new Date(v * 1000).toISOString().slice(0, 19) + 'Z';
    if (v instanceof Date) return v.toISOString().slice(0, 19) + 'Z';
    return typeof v === 'string' ? v.replace(/\.\d+Z$/, 'Z') : undefined;
  },
});

/** The name segment of an ARN held in `key`, to keep tables narrow. */
export const arnNameColumn = (key: string, header: string): Column<Obj> => ({
  header,
  value: (r) =>
    typeof r[key] === 'string'
      ? (r[key] as string).split(':').pop()?.split('/').slice(1).join('/')
      : undefined,
});

export const str = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : String(v);
