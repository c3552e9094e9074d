/**
 * Starts a real, throwaway N-member etcd cluster on loopback for failover tests: every member gets free
 * client and peer ports and its own temporary data directory, and the members find each other through a
 * static `--initial-cluster`. Members can be SIGKILLed and restarted individually. Never skips: without the
 * etcd binary it throws, so the test fails loudly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findEtcd } from './etcd.js';
import { freePort } from './ports.js';

/** One member of an {@link EtcdCluster}. */
export interface EtcdMember {
  /** `--name`, e.g. `m0`. */
  readonly name: string;
  /** Client endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** `127.0.0.1:40123`, the form a store URL lists. */
  readonly hostPort: string;
  /** True while the member's process is alive. */
  running(): boolean;
}

/** A running etcd cluster. Member numbers are indexes into {@link EtcdCluster.members}. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Store URL listing every member, e.g. `etcd://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3`; append `/prefix`. */
  readonly url: string;
  /** SIGKILLs one member (no clean shutdown) and waits for its exit; its data stays for {@link restart}. */
  kill(member: number): Promise<void>;
  /** Starts a stopped or killed member again on its ports and data, and waits until it is healthy. */
  restart(member: number): Promise<void>;
  /** Index of the member that is the raft leader now, as seen by the first live member that answers. */
  leader(): Promise<number | undefined>;
  /** Kills every member (SIGTERM, then SIGKILL) and removes all data directories. */
  stop(): Promise<void>;
}

/** Options of {@link startEtcdCluster}. */
export interface EtcdClusterOptions {
  /** Number of members (default 3). */
  readonly members?: number;
  /** How long to wait for the cluster to elect a leader and answer health checks (default 20 s). */
  readonly startTimeoutMs?: number;
}

/** etcd's /health is true only while the member sees a leader, so it also proves quorum. */
async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(500) });
    return res.ok && ((await res.json()) as { health?: unknown }).health === 'true';
  } catch {
    return false;
  }
}

interface Process {
  readonly exited: () => boolean;
  readonly exit: Promise<void>;
  readonly kill: (signal: NodeJS.Signals) => void;
  readonly stderr: () => string;
}

interface MemberConfig {
  readonly name: string;
  readonly dataDir: string;
  readonly endpoint: string;
  readonly peer: string;
}

function launch(binary: string, member: MemberConfig, initialCluster: string, token: string): Process {
  const proc = spawn(
    binary,
    [
      `--name=${member.name}`,
      `--data-dir=${member.dataDir}`,
      `--listen-client-urls=${member.endpoint}`,
      `--advertise-client-urls=${member.endpoint}`,
      `--listen-peer-urls=${member.peer}`,
      `--initial-advertise-peer-urls=${member.peer}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-token=${token}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  return { exited: () => exited, exit, kill: (signal) => proc.kill(signal), stderr: () => stderr };
}

async function terminate(proc: Process, signal: NodeJS.Signals): Promise<void> {
  if (proc.exited()) return;
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
  await proc.exit;
  clearTimeout(timer);
}

async function waitHealthy(members: readonly MemberConfig[], procs: readonly Process[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(members.map((m) => healthy(m.endpoint)));
    if (states.every(Boolean)) return;
    const dead = procs.find((p) => p.exited());
    if (dead !== undefined || Date.now() > deadline) {
      const logs = members.map((m, i) => `${m.name}: ${procs[i]?.stderr() ?? ''}`).join('\n');
      throw new Error(`etcd members ${members.map((m) => m.name).join(', ')} did not become healthy within ${timeoutMs} ms:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The `member_id` and `leader` of one member's status, both decimal strings (etcd's JSON gateway). */
async function status(endpoint: string): Promise<{ memberId: string; leader: string } | undefined> {
  try {
    const res = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { header?: { member_id?: unknown }; leader?: unknown };
    const memberId = body.header?.member_id;
    const leader = body.leader;
    return typeof memberId === 'string' && typeof leader === 'string' ? { memberId, leader } : undefined;
  } catch {
    return undefined;
  }
}

/** Starts an N-member cluster and waits until every member is healthy (a leader is elected). */
export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const binary = findEtcd();
  const count = options.members ?? 3;
  const configs: MemberConfig[] = [];
  for (let i = 0; i < count; i++) {
    const [client, peer] = [await freePort(), await freePort()];
    configs.push({
      name: `m${i}`,
      dataDir: mkdtempSync(join(tmpdir(), `converge-etcd-m${i}-`)),
      endpoint: `http://127.0.0.1:${client}`,
      peer: `http://127.0.0.1:${peer}`,
    });
  }
  const initialCluster = configs.map((c) => `${c.name}=${c.peer}`).join(',');
  // A unique token keeps members of two clusters started by parallel tests from ever joining each other.
  const token = `converge-test-${process.pid}-${Date.now()}`;
  const procs = configs.map((c) => launch(binary, c, initialCluster, token));
  const removeAll = () => configs.forEach((c) => rmSync(c.dataDir, { recursive: true, force: true }));
  try {
    await waitHealthy(configs, procs, options.startTimeoutMs ?? 20_000);
  } catch (err) {
    await Promise.all(procs.map((p) => terminate(p, 'SIGKILL')));
    removeAll();
    throw err;
  }
  const memberAt = (i: number): MemberConfig => {
    const config = configs[i];
    if (config === undefined) throw new RangeError(`no etcd member ${i} (cluster of ${count})`);
    return config;
  };
  const ids = new Map<string, number>();
  return {
    members: configs.map((c, i) => ({
      name: c.name,
      endpoint: c.endpoint,
      hostPort: c.endpoint.replace(/^http:\/\//, ''),
      running: () => procs[i]?.exited() === false,
    })),
    url: `etcd://${configs.map((c) => c.endpoint.replace(/^http:\/\//, '')).join(',')}`,
    async kill(member) {
      memberAt(member);
      const proc = procs[member];
      if (proc !== undefined) await terminate(proc, 'SIGKILL');
    },
    async restart(member) {
      const config = memberAt(member);
      const proc = procs[member];
      if (proc !== undefined) await terminate(proc, 'SIGTERM');
      const next = launch(binary, config, initialCluster, token);
      procs[member] = next;
      await waitHealthy([config], [next], options.startTimeoutMs ?? 20_000);
    },
    async leader() {
      // Member ids are only learnt from each member itself; ask the live ones, then look the leader up.
      let leaderId: string | undefined;
      for (const [i, c] of configs.entries()) {
        if (procs[i]?.exited() !== false) continue;
        const s = await status(c.endpoint);
        if (s === undefined) continue;
        ids.set(s.memberId, i);
        leaderId ??= s.leader === '0' ? undefined : s.leader;
      }
      return leaderId === undefined ? undefined : ids.get(leaderId);
    },
    async stop() {
      await Promise.all(procs.map((p) => terminate(p, 'SIGTERM')));
      removeAll();
    },
  };
}
