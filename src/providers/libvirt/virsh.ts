/**
 * Runs `virsh` against one libvirt URI with an argv array (never a shell string), optionally handing it an XML
 * document as a file (`virsh define FILE`: written to a private temporary file, since virsh cannot open
 * /dev/stdin when stdin is the socket Node's child processes get). Why virsh rather than libvirt's RPC protocol: virsh is libvirt's own,
 * supported client; it handles every transport (unix socket, qemu+ssh, qemu+tls) and authentication the
 * operator already configured, while a hand-written XDR client would have to re-implement them. The cost is a
 * process per call (~20 ms), small next to the calls themselves and the poll intervals.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../../errors/index.js';
import { virshFailure } from './errors.js';

/** How long one virsh call may take before it is killed (domain starts and pool refreshes are the slow ones). */
export const VIRSH_TIMEOUT_MS = 120_000;
/** Largest output read from one call (domain XML is a few KiB; lists of thousands of domains stay well under). */
const MAX_OUTPUT = 16 * 1024 * 1024;

/** The argument {@link VirshRunOptions.input} replaces with the path of the file holding it. */
export const INPUT_FILE = '<input-file>';

/** Options of one {@link Virsh.run} call. */
export interface VirshRunOptions {
  readonly signal?: AbortSignal;
  /** A document virsh reads from a file: written to a temporary file whose path replaces {@link INPUT_FILE}. */
  readonly input?: string;
}

/** A virsh client bound to one connection URI. */
export class Virsh {
  constructor(
    readonly uri: string,
    private readonly binary = process.env['CONVERGE_VIRSH'] ?? 'virsh',
  ) {}

  /**
   * Runs `virsh --connect URI --quiet ARGS…` and resolves with stdout. Rejects with the error of
   * {@link virshFailure} (NotFoundError for a missing domain/network/volume, UnavailableError when libvirt is
   * unreachable, …) carrying libvirt's own message.
   */
  async run(args: readonly string[], options: VirshRunOptions = {}): Promise<string> {
    if (options.input === undefined) return this.exec(args, options);
    const dir = await mkdtemp(join(tmpdir(), 'converge-virsh-'));
    try {
      const file = join(dir, 'input.xml');
      await writeFile(file, options.input, { mode: 0o600 });
      return await this.exec(args.map((a) => (a === INPUT_FILE ? file : a)), options);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private exec(args: readonly string[], options: VirshRunOptions): Promise<string> {
    const argv = ['--connect', this.uri, '--quiet', ...args];
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, argv, {
        stdio: ['ignore', 'pipe', 'pipe'],
        // LC_ALL=C: the messages errors.ts matches are the untranslated ones.
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        timeout: VIRSH_TIMEOUT_MS,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT) child.kill('SIGKILL');
        else into.push(chunk);
      };
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      child.on('error', (e) => reject(virshFailure({ uri: this.uri, args, stderr: '', spawnError: e })));
      child.on('close', (code, signal) => {
        const stdout = Buffer.concat(out).toString('utf8');
        if (code === 0) return resolve(stdout);
        const stderr = Buffer.concat(err).toString('utf8') || (signal ? `virsh killed by ${signal}` : `virsh exited with ${String(code)}`);
        reject(virshFailure({ uri: this.uri, args, stderr }));
      });
    });
  }

  /** Like {@link run} but resolves `undefined` when libvirt says the object does not exist. */
  async runIfExists(args: readonly string[], options: VirshRunOptions = {}): Promise<string | undefined> {
    try {
      return await this.run(args, options);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
