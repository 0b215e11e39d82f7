/**
 * The text of one column of a table vm drew (box characters), its lines joined without spaces: wrapped
 * text as it was before the table wrapped it.
 */
export function columnText(table: string, header: string): string {
  const lines = table.trimEnd().split('\n');
  const at = lines[1]?.split('│').findIndex((cell) => cell.trim() === header) ?? -1;
  return lines
    .slice(3, -1)
    .map((l) => l.split('│')[at]?.replace(/\s/g, ''))
    .join('');
}
