// In-memory directory of organizations for the policy module's scope checks. Organizations never move between
// prefectures or parents, so a cached entry stays true; a miss reads the database (another process may have
// created the body). Reads go through db.reader(): they may happen while a transaction holds SQLite's connection.
import type { OrgKind } from '@mamori/core';
import type { MamoriDb } from '@mamori/store';

export interface OrgInfo {
  id: string;
  kind: OrgKind;
  parentId: string | null;
  prefectureCode: string | null;
}

export class OrgDirectory {
  private readonly byId = new Map<string, OrgInfo>();
  private readonly children = new Map<string, string[]>();
  private loaded = false;

  constructor(private readonly db: MamoriDb) {}

  private async loadAll(): Promise<void> {
    const rows = await this.db
      .reader()
      .selectFrom('organizations')
      .select(['id', 'kind', 'parent_id', 'prefecture_code'])
      .execute();
    this.byId.clear();
    this.children.clear();
    for (const r of rows)
      this.add({
        id: r.id,
        kind: r.kind as OrgKind,
        parentId: r.parent_id,
        prefectureCode: r.prefecture_code,
      });
    this.loaded = true;
  }

  private add(info: OrgInfo): void {
    this.byId.set(info.id, info);
    if (info.parentId !== null) {
      const list = this.children.get(info.parentId) ?? [];
      if (!list.includes(info.id)) list.push(info.id);
      this.children.set(info.parentId, list);
    }
  }

  /** Forget everything (after a bulk load). */
  invalidate(): void {
    this.loaded = false;
  }

  async get(id: string): Promise<OrgInfo | null> {
    if (!this.loaded) await this.loadAll();
    const hit = this.byId.get(id);
    if (hit) return hit;
    const r = await this.db
      .reader()
      .selectFrom('organizations')
      .select(['id', 'kind', 'parent_id', 'prefecture_code'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) return null;
    const info = {
      id: r.id,
      kind: r.kind as OrgKind,
      parentId: r.parent_id,
      prefectureCode: r.prefecture_code,
    };
    this.add(info);
    return info;
  }

  /** The organization and everything below it. */
  async subtree(id: string): Promise<string[]> {
    if (!this.loaded) await this.loadAll();
    const out: string[] = [];
    const queue = [id];
    while (queue.length > 0) {
      const cur = queue.shift()!;
      if (out.includes(cur)) continue;
      out.push(cur);
      queue.push(...(this.children.get(cur) ?? []));
    }
    return out;
  }

  note(info: OrgInfo): void {
    this.add(info);
  }
}
