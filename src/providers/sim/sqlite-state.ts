/**
 * A {@link SimState} in a sqlite file (default `<data-dir>/sim.db`), so the SIMULATED cloud outlives the
 * process the way a real one outlives its control plane: after `kill -9` and a restart, Converge finds the
 * resources it created and adopts them instead of creating duplicates.
 *
 * Durability: WAL with `synchronous=NORMAL`. A committed write survives the process being killed (the WAL is
 * in the OS's page cache); a power loss may drop the last commits, which a simulation can afford. The file is
 * not locked exclusively: several processes on one machine may share one simulated cloud (each statement is
 * atomic; read-modify-write runs in an immediate transaction).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SimKind, SimRecord } from './cloud.js';
import type { SimState } from './state.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  cloud TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  ref TEXT,
  body TEXT NOT NULL,
  PRIMARY KEY (cloud, kind, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_ref ON records (cloud, kind, ref);
`;

type Key = [string, string, string];
interface Row {
  readonly name: string;
  readonly body: string;
}

function refOf(record: SimRecord): string | null {
  return typeof record['ref'] === 'string' ? record['ref'] : null;
}

function parse(body: string): SimRecord {
  return JSON.parse(body) as SimRecord;
}

/** See the module comment. Opening creates the file and its directory when missing. */
export class SqliteSimState implements SimState {
  private readonly db: Database.Database;
  private readonly selectOne: Database.Statement<Key, Row>;
  private readonly insertOne: Database.Statement<[string, string, string, string | null, string]>;
  private readonly replaceOne: Database.Statement<[string | null, string, string, string, string]>;
  private readonly deleteOne: Database.Statement<Key>;
  private readonly selectKind: Database.Statement<[string, string], Row>;
  private readonly selectRef: Database.Statement<[string, string, string], Row>;
  private readonly selectClouds: Database.Statement<[], { cloud: string }>;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.selectOne = this.db.prepare('SELECT name, body FROM records WHERE cloud = ? AND kind = ? AND name = ?');
    this.insertOne = this.db.prepare('INSERT INTO records (cloud, kind, name, ref, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.replaceOne = this.db.prepare('UPDATE records SET ref = ?, body = ? WHERE cloud = ? AND kind = ? AND name = ?');
    this.deleteOne = this.db.prepare('DELETE FROM records WHERE cloud = ? AND kind = ? AND name = ?');
    this.selectKind = this.db.prepare('SELECT name, body FROM records WHERE cloud = ? AND kind = ? ORDER BY name');
    this.selectRef = this.db.prepare('SELECT name, body FROM records WHERE cloud = ? AND kind = ? AND ref = ? ORDER BY name LIMIT 1');
    this.selectClouds = this.db.prepare('SELECT DISTINCT cloud FROM records ORDER BY cloud');
  }

  get(cloud: string, kind: SimKind, name: string): SimRecord | undefined {
    const row = this.selectOne.get(cloud, kind, name);
    return row === undefined ? undefined : parse(row.body);
  }

  insert(cloud: string, kind: SimKind, name: string, record: SimRecord): SimRecord {
    return this.db.transaction(() => {
      const result = this.insertOne.run(cloud, kind, name, refOf(record), JSON.stringify(record));
      if (result.changes === 1) return structuredClone(record);
      const row = this.selectOne.get(cloud, kind, name);
      return row === undefined ? structuredClone(record) : parse(row.body);
    }).immediate();
  }

  merge(cloud: string, kind: SimKind, name: string, patch: SimRecord): SimRecord | undefined {
    return this.db.transaction(() => {
      const row = this.selectOne.get(cloud, kind, name);
      if (row === undefined) return undefined;
      const next = { ...parse(row.body), ...structuredClone(patch) };
      this.replaceOne.run(refOf(next), JSON.stringify(next), cloud, kind, name);
      return next;
    }).immediate();
  }

  delete(cloud: string, kind: SimKind, name: string): boolean {
    return this.deleteOne.run(cloud, kind, name).changes > 0;
  }

  list(cloud: string, kind: SimKind): [string, SimRecord][] {
    return this.selectKind.all(cloud, kind).map((row) => [row.name, parse(row.body)]);
  }

  findByRef(cloud: string, kind: SimKind, ref: string): [string, SimRecord] | undefined {
    const row = this.selectRef.get(cloud, kind, ref);
    return row === undefined ? undefined : [row.name, parse(row.body)];
  }

  clouds(): string[] {
    return this.selectClouds.all().map((r) => r.cloud);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
