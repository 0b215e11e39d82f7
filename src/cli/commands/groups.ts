import type { Command } from 'commander';
import type { Group } from '../../api/lines.js';
import type { Context } from '../context.js';
import { addChangeOptions, addTargetOptions, runChange, type ChangeFlags } from '../changes/index.js';
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
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'parentId', header: t('col.group') },
      { key: 'path', header: t('col.path'), freeText: true },
      { key: 'numbers', header: t('col.numbers'), kind: 'number' },
    ];
    await ctx.printRows(rows, columns);
  });

  const move = groups
    .command('move <group> [numbers...]')
    .description(t('cmd.groups.move'))
    .option('--under <parent>', t('opt.groupUnder'))
    .option('--top-level', t('opt.groupTopLevel'));
  addTargetOptions(move, ctx);
  addChangeOptions(move, ctx);
  withExamples(move, t, [
    'vm groups move sales-north +79161234567 +79161234568 --yes',
    'vm groups move it --file new-it-staff.csv --dry-run',
    'vm groups move drivers --under hq           # the group itself moves',
  ]).action(async (group: string, numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags & { under?: string; topLevel?: boolean }>(cmd);
    if (flags.under || flags.topLevel) {
      const moved = await (
        await ctx.client()
      ).call('groups.update', {
        params: { id: group },
        body: flags.topLevel ? { topLevel: true } : { parent: flags.under },
      });
      ctx.note(t('msg.groupSaved', { path: moved.path }));
      return;
    }
    await runChange(
      ctx,
      { type: 'group.move', params: { group }, numbers, paramColumns: ['group', 'at'] },
      flags,
    );
  });

  withExamples(
    groups
      .command('create <name>')
      .description(t('cmd.groups.create'))
      .option('--parent <group>', t('opt.groupParent'))
      .option('--id <id>', t('opt.groupId')),
    t,
    ['vm groups create "Sales East" --parent sales', 'vm groups create Contractors --id contractors'],
  ).action(async (name: string, _o, cmd: Command) => {
    const o = ctx.use<{ parent?: string; id?: string }>(cmd);
    const group = await (
      await ctx.client()
    ).call('groups.create', { body: { name, parent: o.parent, id: o.id } });
    ctx.note(t('msg.groupSaved', { path: group.path }));
    await ctx.printObject(group, groupColumns());
  });

  withExamples(groups.command('rename <group> <name>').description(t('cmd.groups.rename')), t, [
    'vm groups rename sales-north "Sales North-West"',
    'vm groups rename IT "IT & Security"',
  ]).action(async (group: string, name: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const renamed = await (
      await ctx.client()
    ).call('groups.update', { params: { id: group }, body: { name } });
    ctx.note(t('msg.groupSaved', { path: renamed.path }));
  });

  withExamples(
    groups
      .command('delete <group>')
      .description(t('cmd.groups.delete'))
      .option('--move-to <group>', t('opt.groupMoveTo')),
    t,
    ['vm groups delete sales-east', 'vm groups delete drivers --move-to warehouse'],
  ).action(async (group: string, _o, cmd: Command) => {
    const o = ctx.use<{ moveTo?: string }>(cmd);
    await (await ctx.client()).call('groups.delete', { params: { id: group }, query: { moveTo: o.moveTo } });
    ctx.note(t('msg.groupDeleted', { group }));
  });

  withExamples(
    groups
      .command('import <file>')
      .description(t('cmd.groups.import'))
      .option('-y, --yes', t('opt.yes'))
      .option('--dry-run', t('opt.dryRun')),
    t,
    ['vm groups import tree.csv --dry-run', 'vm groups import tree.csv --yes'],
  ).action(async (file: string, _o, cmd: Command) => {
    const o = ctx.use<ChangeFlags>(cmd);
    const { importGroupTree } = await import('../group-import.js');
    await importGroupTree(ctx, file, o);
  });

  function groupColumns(): Column<Group>[] {
    return [
      { key: 'id', header: t('col.id') },
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'parentId', header: t('col.group') },
      { key: 'path', header: t('col.path'), freeText: true },
      { key: 'numbers', header: t('col.numbers'), kind: 'number' },
    ];
  }
}
