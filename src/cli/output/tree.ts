/** Draws a parent/child list (groups, for one) as an indented tree with box-drawing connectors. */
import { escapeControlChars } from '../../domain/safe-text.js';

/** A tree (e.g. groups on a TTY): rows with id/parentId, drawn with ├── └── │ connectors, label from `label(row)`. Rows come parents-before-children. */
export function renderTree<T>(
  rows: T[],
  idOf: (r: T) => string,
  parentOf: (r: T) => string | null,
  label: (r: T) => string,
  out: NodeJS.WritableStream,
): void {
  const text = drawTree(rows, idOf, parentOf, label);
  if (text !== '') out.write(text);
}

/** The text `renderTree` writes: one line per row, `''` for no rows. */
export function drawTree<T>(
  rows: T[],
  idOf: (r: T) => string,
  parentOf: (r: T) => string | null,
  label: (r: T) => string,
): string {
  const ids = new Set(rows.map(idOf));
  const roots: T[] = [];
  const children = new Map<string, T[]>();
  for (const row of rows) {
    const parent = parentOf(row);
    // A row whose parent is not in the list (the user sees only a subtree) is drawn as a root.
    if (parent === null || parent === idOf(row) || !ids.has(parent)) {
      roots.push(row);
    } else {
      const siblings = children.get(parent);
      if (siblings) siblings.push(row);
      else children.set(parent, [row]);
    }
  }

  const lines: string[] = [];
  const drawn = new Set<string>();
  const oneLine = (r: T) => escapeControlChars(label(r));

  const drawChildren = (id: string, prefix: string): void => {
    const kids = (children.get(id) ?? []).filter((k) => !drawn.has(idOf(k)));
    kids.forEach((kid, i) => {
      const last = i === kids.length - 1;
      drawn.add(idOf(kid));
      lines.push(`${prefix}${last ? '└── ' : '├── '}${oneLine(kid)}`);
      drawChildren(idOf(kid), prefix + (last ? '    ' : '│   '));
    });
  };
  const drawRoot = (root: T): void => {
    drawn.add(idOf(root));
    lines.push(oneLine(root));
    drawChildren(idOf(root), '');
  };

  roots.forEach(drawRoot);
  // Rows caught in a parent cycle are reachable from no root; show them rather than drop them.
  for (const row of rows) if (!drawn.has(idOf(row))) drawRoot(row);

  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
