/**
 * `converge sim`: look into the SIMULATED cloud and change it behind Converge's back (drift injection), through
 * the server's `/sim/v1` admin endpoint. Objects are named as everywhere else (`instance/web-1`); the command
 * finds the ProviderConfig and external name from the object.
 */
import { stringify } from 'yaml';
import { providerConfigType } from '../../../schemas/index.js';
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import type { ResourceType } from '../../../schemas/types.js';
import type { HttpApiClient } from '../../client/http.js';
import { providerNameOf } from '../../managed/connect.js';
import { simKinds } from '../../providers/sim/index.js';
import { externalNameOf } from '../../providers/types.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { parseTargets } from '../resource-arg.js';
import { alignRows } from '../table-print.js';

const HELP = `Usage:
  converge sim get [KIND[/NAME]] [--cloud NAME] [-o yaml|json]
                                    what the simulated cloud holds: per-cloud counts, every resource
                                    of a kind, or the resource behind one object
  converge sim drift KIND/NAME FIELD=VALUE...
                                    change fields of the simulated resource behind Converge's back
  converge sim delete KIND/NAME     delete the simulated resource out of band
  converge sim create KIND EXTERNAL-NAME [FIELD=VALUE...] [--cloud NAME]
                                    make a resource by hand, as an operator would outside Converge
                                    (adopt it with the converge.io/external-name annotation)

The simulated cloud is Converge's built-in stand-in for real infrastructure (ProviderConfigs with
driver "sim"); nothing in it exists outside Converge. KIND/NAME names a Converge object, e.g.
instance/web-1; its ProviderConfig must use the sim driver. FIELD is a field name as "converge sim get"
shows it (e.g. memoryMiB, vcpus, powerState, tags); VALUE is read as JSON when it parses (1024, true,
null, {"team":"x"}), else as a string.

Examples:
  converge sim drift instance/web-1 memoryMiB=1024
  converge sim drift instance/web-1 powerState=Stopped
  converge sim delete volume/data-1
  converge sim create volume legacy-disk sizeGiB=20 format=qcow2 storagePool=default

Options:
  --cloud NAME          cloud (ProviderConfig) for "sim get KIND" and "sim create" (default: default)
  -o, --output FORMAT   yaml (default) or json
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

const PREFIX = '/sim/v1';

interface SimResource {
  readonly cloud: string;
  readonly resource: string;
  readonly name: string;
  readonly fields: JsonObject;
}

interface CloudList {
  readonly clouds: readonly { readonly name: string; readonly resources: Readonly<Record<string, number>> }[];
}

/** Where an object's simulated resource lives. */
interface Located {
  readonly path: string;
  readonly describe: string;
}

/** Parses `FIELD=VALUE` arguments; see the help text for how values are read. */
export function parseAssignments(args: readonly string[], options: { readonly allowEmpty?: boolean } = {}): JsonObject {
  if (args.length === 0 && options.allowEmpty !== true) throw new CliError('sim drift: name at least one FIELD=VALUE, e.g. memoryMiB=1024', 2);
  const patch: JsonObject = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new CliError(`sim drift: expected FIELD=VALUE, got "${arg}"`, 2);
    const field = arg.slice(0, eq);
    const text = arg.slice(eq + 1);
    let value: JsonValue;
    try {
      value = JSON.parse(text) as JsonValue;
    } catch {
      value = text;
    }
    patch[field] = value;
  }
  return patch;
}

async function locate(client: HttpApiClient, type: ResourceType, namespace: string, name: string): Promise<Located> {
  const sim = simKinds[type.kind];
  if (sim === undefined) {
    throw new CliError(`sim: ${type.plural} have no simulated resource; use instances, volumes, buckets or networks`, 2);
  }
  const obj = await client.get(type, type.namespaced ? namespace : undefined, name);
  const provider = providerNameOf(obj);
  const pc = await client.get(providerConfigType, undefined, provider);
  const driver = pc.spec?.['driver'];
  if (driver !== 'sim') {
    throw new CliError(`sim: ${type.singular}/${name} uses ProviderConfig "${provider}" with driver "${String(driver)}"; converge sim only acts on the simulated cloud`, 1);
  }
  const external = externalNameOf(obj, sim.prefix);
  return {
    path: `${PREFIX}/clouds/${encodeURIComponent(provider)}/${type.plural}/${encodeURIComponent(external)}`,
    describe: `simulated ${type.singular} ${external} (cloud "${provider}", object ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${name})`,
  };
}

function single(args: readonly string[], verb: string): { type: ResourceType; name: string } {
  const { type, names } = parseTargets(args);
  if (names.length !== 1) throw new CliError(`sim ${verb}: name exactly one object, e.g. instance/web-1`, 2);
  return { type, name: names[0]! };
}

function print(value: unknown, output: string): void {
  process.stdout.write(output === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value));
}

async function get(client: HttpApiClient, args: readonly string[], namespace: string, cloud: string, output: string): Promise<void> {
  if (args.length === 0) {
    const list = await client.request<CloudList>('GET', PREFIX);
    if (output !== '') return print(list, output);
    const plurals = ['instances', 'volumes', 'buckets', 'networks'];
    const rows = list.clouds.map((c) => [c.name, ...plurals.map((p) => String(c.resources[p] ?? 0))]);
    process.stdout.write(rows.length === 0 ? 'The simulated cloud holds nothing yet.\n' : `${alignRows([['CLOUD', ...plurals.map((p) => p.toUpperCase())], ...rows])}\n`);
    return;
  }
  const { type, names } = parseTargets(args);
  if (names.length === 0) {
    if (simKinds[type.kind] === undefined) throw new CliError(`sim: ${type.plural} have no simulated resource; use instances, volumes, buckets or networks`, 2);
    const list = await client.request<{ items: SimResource[] }>('GET', `${PREFIX}/clouds/${encodeURIComponent(cloud)}/${type.plural}`);
    return print({ cloud, resource: type.plural, items: list.items.map((i) => ({ name: i.name, fields: i.fields })) }, output || 'yaml');
  }
  for (const name of names) {
    const where = await locate(client, type, namespace, name);
    const found = await client.request<SimResource>('GET', where.path);
    print({ cloud: found.cloud, resource: found.resource, name: found.name, fields: found.fields }, output || 'yaml');
  }
}

/** `converge sim`. */
export async function runSim(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('sim', argv, {
    ...connectionOptions,
    cloud: { type: 'string', default: 'default' },
    output: { type: 'string', short: 'o', default: '' },
  });
  const [verb, ...args] = positionals;
  if (values.help || verb === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (!['', 'yaml', 'json'].includes(values.output)) throw new CliError(`--output: unsupported format "${values.output}"; use yaml or json`, 2);
  const conn = connect(values);
  try {
    switch (verb) {
      case 'get':
        await get(conn.client, args, conn.namespace, values.cloud, values.output);
        return 0;
      case 'drift': {
        const { type, name } = single(args.slice(0, 1), 'drift');
        const patch = parseAssignments(args.slice(1));
        const where = await locate(conn.client, type, conn.namespace, name);
        await conn.client.request('PATCH', where.path, patch);
        process.stdout.write(`${where.describe}: set ${Object.entries(patch).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}\n`);
        return 0;
      }
      case 'delete': {
        const { type, name } = single(args, 'delete');
        const where = await locate(conn.client, type, conn.namespace, name);
        await conn.client.request('DELETE', where.path);
        process.stdout.write(`${where.describe}: deleted out of band\n`);
        return 0;
      }
      case 'create': {
        const [kindArg, external, ...assignments] = args;
        if (kindArg === undefined || external === undefined) throw new CliError('sim create: expected KIND EXTERNAL-NAME [FIELD=VALUE...], e.g. volume legacy-disk sizeGiB=20', 2);
        const { type } = parseTargets([kindArg]);
        if (simKinds[type.kind] === undefined) throw new CliError(`sim: ${type.plural} have no simulated resource; use instances, volumes, buckets or networks`, 2);
        const fields = parseAssignments(assignments, { allowEmpty: true });
        await conn.client.request('POST', `${PREFIX}/clouds/${encodeURIComponent(values.cloud)}/${type.plural}`, { name: external, fields });
        process.stdout.write(`simulated ${type.singular} ${external} created in cloud "${values.cloud}"\n`);
        return 0;
      }
      default:
        throw new CliError(`sim: unknown subcommand "${verb}"; use get, drift, delete or create`, 2);
    }
  } finally {
    conn.client.close();
  }
}
