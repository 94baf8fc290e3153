/** Aligned text tables for people; scripts use `--json` instead. */

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | boolean | undefined;
}

/**
 * Renders rows under upper-case headers, columns separated by two spaces, no trailing blanks.
 * Missing values show as `-` so columns never collapse.
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

function cellText(value: string | number | boolean | undefined): string {
  if (value === undefined || value === '') return '-';
  // Tables are one line per row: a newline inside a value would break alignment.
  return String(value).replace(/\s*\n\s*/g, ' ');
}

/** Key/value lines for a single resource (`kiln x get`). */
export function renderFields(
  fields: readonly (readonly [string, string | number | boolean | undefined])[],
): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${cellText(v)}`).join('\n') + '\n';
}
