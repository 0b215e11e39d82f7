import type { Db } from './db.js';

/** Writes to the group tree. Callers check scope and wrap multi-step changes in one transaction. */
export class GroupsRepo {
  private readonly insertStmt;
  private readonly renameStmt;
  private readonly parentStmt;
  private readonly deleteStmt;
  private readonly deleteLimitStmt;
  private readonly deleteAlertsStmt;
  private readonly countStmt;
  private readonly moveNumbersStmt;
  private readonly moveChildrenStmt;
  private readonly grantsStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<[string, string, string | null]>(
      'INSERT INTO groups (id, name, parent_id) VALUES (?, ?, ?)',
    );
    this.renameStmt = db.prepare<[string, string]>('UPDATE groups SET name = ? WHERE id = ?');
    this.parentStmt = db.prepare<[string | null, string]>('UPDATE groups SET parent_id = ? WHERE id = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM groups WHERE id = ?');
    this.deleteLimitStmt = db.prepare<[string]>('DELETE FROM group_limits WHERE group_id = ?');
    this.deleteAlertsStmt = db.prepare<[string]>(
      "DELETE FROM alert_rules WHERE target_kind = 'group' AND target = ?",
    );
    this.countStmt = db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM numbers WHERE group_id = ?',
    );
    this.moveNumbersStmt = db.prepare<[string, string]>('UPDATE numbers SET group_id = ? WHERE group_id = ?');
    this.moveChildrenStmt = db.prepare<[string, string]>(
      'UPDATE groups SET parent_id = ? WHERE parent_id = ?',
    );
    this.grantsStmt = db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM user_roles WHERE group_id = ?',
    );
  }

  /** Adds a group. */
  insert(id: string, name: string, parentId: string | null): void {
    this.insertStmt.run(id, name, parentId);
  }

  /** Renames a group. */
  rename(id: string, name: string): void {
    this.renameStmt.run(name, id);
  }

  /** Moves a group under another parent (null = top level). */
  setParent(id: string, parentId: string | null): void {
    this.parentStmt.run(parentId, id);
  }

  /** Numbers directly in a group. */
  numbersIn(id: string): number {
    return this.countStmt.get(id)?.n ?? 0;
  }

  /** Grants given over a group. */
  grantsOn(id: string): number {
    return this.grantsStmt.get(id)?.n ?? 0;
  }

  /** Moves a group's numbers and subgroups to another group, then deletes it; returns the numbers moved. */
  deleteInto(id: string, target: string): number {
    const moved = this.moveNumbersStmt.run(target, id).changes;
    this.moveChildrenStmt.run(target, id);
    this.deleteLimitStmt.run(id);
    this.deleteAlertsStmt.run(id);
    this.deleteStmt.run(id);
    return moved;
  }

  /** Deletes an empty group. */
  delete(id: string): void {
    this.deleteLimitStmt.run(id);
    this.deleteAlertsStmt.run(id);
    this.deleteStmt.run(id);
  }
}
