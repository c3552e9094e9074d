/**
 * The observe → create / update / drift steps of a live object. Observe only reports; these steps decide:
 * a missing resource is created (or, if it existed before, treated as out-of-band deletion under the drift
 * policy); a difference right after a spec change is an update; any other difference is drift.
 */
import { ConditionStatus, ConditionType, DriftPolicy, ManagementPolicy } from '../../schemas/common.js';
import type { JsonObject } from '../../schemas/object.js';
import type { DiffEntry, Observation } from '../providers/types.js';
import { externalNameOf } from '../providers/types.js';
import { drifted, notDrifted, ready, unavailable, type ConditionInput } from '../runtime/conditions.js';
import { EventType } from '../runtime/events.js';
import type { Connection } from './connect.js';
import { createExternal } from './create.js';
import { describeDrift, driftPolicyFor, driftStatus, EXISTS_PATH, storedDrift, trackDrift, type DriftRecord } from './drift.js';
import { callExternal, ExternalAction } from './external.js';
import { flushStatus, nowText, setConditions, setStatusField, type Run } from './run.js';

type Observed = Observation<Record<string, unknown>>;

/** Observes the external resource under the provider's limit. */
export async function observeExternal(run: Run, conn: Connection): Promise<Observed> {
  const obj = run.obj;
  const externalName = externalNameOf(obj, run.deps.kind.prefix);
  return callExternal(run, { action: ExternalAction.Observe, semaphore: conn.semaphore, externalName }, () => conn.client.observe(obj, run.signal));
}

function managementPolicyOf(run: Run): string {
  const p = run.obj.spec?.['managementPolicy'];
  return typeof p === 'string' ? p : ManagementPolicy.Full;
}

/** Observe, then create, update or handle drift; leaves conditions and status fields on the run. */
export async function syncExternal(run: Run, conn: Connection): Promise<void> {
  let obs = await observeExternal(run, conn);
  if (!obs.exists) {
    if (await handleMissing(run, conn)) return;
    obs = await observeExternal(run, conn);
    if (!obs.exists) return; // created but not visible yet: Ready stays Creating, the poll looks again
  } else if (!obs.upToDate) {
    obs = await handleDiff(run, conn, obs);
  } else {
    setRemainingDrift(run, []);
  }
  reportObserved(run, conn, obs);
}

/** Returns true when nothing more is to be done this reconcile. */
async function handleMissing(run: Run, conn: Connection): Promise<boolean> {
  const name = externalNameOf(run.obj, run.deps.kind.prefix);
  const known = typeof run.status['externalName'] === 'string';
  const observeOnly = managementPolicyOf(run) === ManagementPolicy.ObserveOnly;
  if (!known) {
    if (observeOnly) {
      setConditions(run, unavailable(`external resource ${name} does not exist; managementPolicy ObserveOnly never creates it`), notDrifted());
      return true;
    }
    await createExternal(run, conn);
    return false;
  }
  const diff: DiffEntry = { path: EXISTS_PATH, desired: true, observed: false };
  const policy = observeOnly ? DriftPolicy.Report : driftPolicyFor(run.obj, EXISTS_PATH);
  if (policy === DriftPolicy.Ignore) {
    setConditions(run, unavailable(`external resource ${name} no longer exists (drift ignored)`));
    setRemainingDrift(run, []);
    return true;
  }
  const tracked = noteDrift(run, [diff]);
  if (policy === DriftPolicy.Report) {
    setConditions(run, unavailable(`external resource ${name} was deleted out of band`));
    setRemainingDrift(run, tracked);
    return true;
  }
  await createExternal(run, conn);
  run.deps.recorder.event(run.obj, EventType.Normal, 'DriftCorrected', `recreated external resource ${name}, deleted out of band`);
  setRemainingDrift(run, []);
  return false;
}

/** Records drift entries, emitting `DriftDetected` and counting each newly seen one; returns all entries. */
function noteDrift(run: Run, diff: readonly DiffEntry[]): DriftRecord[] {
  const { entries, fresh } = trackDrift(storedDrift(run.status), diff, nowText(run));
  if (fresh.length > 0) {
    run.deps.recorder.event(run.obj, EventType.Warning, 'DriftDetected', `external resource differs from the spec: ${describeDrift(fresh)}`);
    for (let i = 0; i < fresh.length; i++) run.deps.metrics.driftDetected(run.deps.kind.type.kind);
  }
  return entries;
}

function setRemainingDrift(run: Run, entries: readonly DriftRecord[]): void {
  setStatusField(run, 'drift', driftStatus(entries));
  setConditions(run, entries.length === 0 ? notDrifted() : drifted(entries.map((e) => e.path)));
}

async function update(run: Run, conn: Connection, diff: readonly DiffEntry[]): Promise<void> {
  const obj = run.obj;
  const externalName = externalNameOf(obj, run.deps.kind.prefix);
  const summary = `set ${diff.map((d) => d.path).join(', ')}`;
  await callExternal(run, { action: ExternalAction.Update, semaphore: conn.semaphore, externalName, summary }, () =>
    conn.client.update(obj, diff, run.signal),
  );
}

/** A difference after a spec change is applied; otherwise it is drift, handled per field policy. */
async function handleDiff(run: Run, conn: Connection, obs: Observed): Promise<Observed> {
  const observeOnly = managementPolicyOf(run) === ManagementPolicy.ObserveOnly;
  const specChanged = run.obj.metadata.generation !== run.status['observedGeneration'];
  if (specChanged && !observeOnly) {
    await update(run, conn, obs.diff);
    run.deps.recorder.event(run.obj, EventType.Normal, 'Updated', `updated ${obs.diff.map((d) => d.path).join(', ')}`);
    setRemainingDrift(run, []);
    return observeExternal(run, conn);
  }
  const considered = obs.diff.filter((d) => driftPolicyFor(run.obj, d.path) !== DriftPolicy.Ignore);
  const entries = noteDrift(run, considered);
  const correct = considered.filter((d) => driftPolicyFor(run.obj, d.path) === DriftPolicy.Correct);
  if (correct.length > 0) {
    // The drift is on record before it is corrected: watchers see it, and a failed correction leaves it there.
    setRemainingDrift(run, entries);
    await flushStatus(run);
    await update(run, conn, correct);
    run.deps.recorder.event(run.obj, EventType.Normal, 'DriftCorrected', `corrected ${describeDrift(correct)}`);
  }
  const corrected = new Set(correct.map((d) => d.path));
  setRemainingDrift(run, entries.filter((e) => !corrected.has(e.path)));
  return correct.length > 0 ? observeExternal(run, conn) : obs;
}

const CONDITION_TYPES: readonly unknown[] = Object.values(ConditionType);
const CONDITION_STATUSES: readonly unknown[] = Object.values(ConditionStatus);
const isConditionType = (v: unknown): v is ConditionType => CONDITION_TYPES.includes(v);
const isConditionStatus = (v: unknown): v is ConditionStatus => CONDITION_STATUSES.includes(v);

/** The extra conditions of an observation (`Observation.conditions`); reconciler-owned types are never taken from a driver. */
function driverConditions(obs: Observed): ConditionInput[] {
  return (obs.conditions ?? []).flatMap(({ type, status, reason, message }): ConditionInput[] => {
    if (!isConditionType(type) || !isConditionStatus(status)) return [];
    if (type === ConditionType.Ready || type === ConditionType.Synced || type === ConditionType.Drifted) return [];
    return [{ type, status, ...(typeof reason === 'string' ? { reason } : {}), ...(typeof message === 'string' ? { message } : {}) }];
  });
}

function reportObserved(run: Run, conn: Connection, obs: Observed): void {
  const name = externalNameOf(run.obj, run.deps.kind.prefix);
  setStatusField(run, 'externalName', name);
  const fields: JsonObject = obs.observed === undefined ? {} : run.deps.kind.statusFromObserved(obs.observed);
  for (const key of run.deps.kind.observedFields) setStatusField(run, key, fields[key]);
  const where = conn.simulated ? ` in the simulated cloud of ProviderConfig "${conn.providerConfig.metadata.name}"` : '';
  setConditions(run, ready(`external resource ${name} exists${where}`), ...driverConditions(obs));
}
