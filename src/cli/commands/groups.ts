import type { Command } from 'commander';
import type { Group } from '../../api/lines.js';
import type { Context } from '../context.js';
import { addChangeOptions, addTargetOptions, runChange, type ChangeFlags } from '../changes.js';
import { withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm groups list (a tree on a terminal, flat rows with `path` for scripts). */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const groups = withExamples(program.command('groups').description(t('cmd.groups')), t, [
    'vm groups list',
    'vm groups list --json',
  ]);
  withExamples(groups.command('list').description(t('cmd.groups.list')), t, [
    'vm groups list',
    'vm groups list --fields id,path,numbers --csv',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const client = await ctx.client();
    const rows: Group[] = [];
    for await (const g of client.paginate('groups.list')) rows.push(g);
    if ((await ctx.format()) === 'table' && !ctx.opts.fields) {
      const { renderTree } = await import('../output/render.js');
      renderTree(
        rows,
        (g) => g.id,
        (g) => g.parentId,
        (g) => `${g.name} (${g.id}) · ${g.numbers}`,
        ctx.io.stdout,
      );
      return;
    }
    const columns: Column<Group>[] = [
      { key: 'id', header: t('col.id') },
      { key: 'name', header: t('col.name') },
      { key: 'parentId', header: t('col.group') },
      { key: 'path', header: t('col.path') },
      { key: 'numbers', header: t('col.numbers'), kind: 'number' },
    ];
    await ctx.printRows(rows, columns);
  });

  const move = groups.command('move <group> [numbers...]').description(t('cmd.groups.move'));
  addTargetOptions(move, ctx);
  addChangeOptions(move, ctx);
  withExamples(move, t, [
    'vm groups move sales-north +79161234567 +79161234568 --yes',
    'vm groups move it --file new-it-staff.csv --dry-run',
  ]).action(async (group: string, numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags>(cmd);
    await runChange(
      ctx,
      { type: 'group.move', params: { group }, numbers, paramColumns: ['group', 'at'] },
      flags,
    );
  });
}
