// CSV as RFC 4180 has it (every field quoted, quotes doubled, CRLF lines), safe to open in a
// spreadsheet: a cell that starts like a formula (= + - @, tab, carriage return) gets a leading
// apostrophe so it is shown as text and never evaluated (CSV/formula injection).
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
