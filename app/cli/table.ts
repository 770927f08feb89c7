/** A plain text table with right-aligned numbers, for terminal summaries. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const numeric = headers.map((_, column) => rows.every((row) => typeof row[column] === 'number' || /^[-+\d.,%×]+$|^—$/.test(String(row[column]))));
  const line = (row: string[]) => row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function percent(value: number | null): string {
  return value === null ? '—' : `${(100 * value).toFixed(2)}%`;
}

export function fixed(value: number | null, digits: number): string {
  return value === null ? '—' : value.toFixed(digits);
}
