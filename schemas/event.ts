/**
 * Core `v1` Event: what a controller reported about an object. Served under `/api/v1` like kube-apiserver's,
 * so `kubectl get events` and `kubectl describe` work; its fields are top-level (no spec/status).
 */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import { timestamp } from './fields.js';

/** Longest `message` accepted, as kube-apiserver's event validation. */
export const MAX_EVENT_MESSAGE_BYTES = 1024;

const shortText = (description: string) => z.string().max(253).describe(description);

/** An optional RFC 3339 time that clients may also send as `null` (zero time, as client-go serialises it). */
const nullableTime = (description: string) => timestamp(description).nullable().optional().describe(description);

const involvedObject = z
  .strictObject({
    apiVersion: shortText('API version of the object.').optional(),
    kind: shortText('Kind of the object.').optional(),
    name: shortText('Name of the object.').optional(),
    namespace: shortText('Namespace of the object.').optional(),
    uid: shortText('UID of the object.').optional(),
    resourceVersion: shortText('Resource version of the object when the event was recorded.').optional(),
    fieldPath: shortText('Part of the object the event is about.').optional(),
  })
  .describe('The object this event is about.');

/** Schema of an Event's top-level fields (everything but apiVersion, kind and metadata). */
export const eventTopLevel = z
  .strictObject({
    involvedObject,
    reason: z.string().max(128).optional().describe('Short CamelCase reason for the transition, e.g. Created.'),
    message: z
      .string()
      .refine((text) => Buffer.byteLength(text, 'utf8') <= MAX_EVENT_MESSAGE_BYTES, {
        message: `must be no more than ${MAX_EVENT_MESSAGE_BYTES} bytes`,
      })
      .optional()
      .describe('Human-readable description of what happened.'),
    type: z.enum(['Normal', 'Warning']).optional().describe('Normal or Warning.'),
    count: z.number().int().min(0).optional().describe('Times this event has occurred.'),
    firstTimestamp: nullableTime('When the event was first recorded.'),
    lastTimestamp: nullableTime('When the event most recently occurred.'),
    eventTime: z.string().nullable().optional().describe('When the event was first observed (MicroTime).'),
    source: z
      .strictObject({
        component: shortText('Component that reported the event.').optional(),
        host: shortText('Node name on which the event was generated.').optional(),
      })
      .optional()
      .describe('The component reporting this event.'),
    reportingComponent: shortText('Controller that emitted the event, e.g. converge.io/instance-controller.').optional(),
    reportingInstance: shortText('ID of the controller instance.').optional(),
    action: z.string().max(128).optional().describe('What action was taken or failed.'),
  })
  .describe('Event is a report of an event somewhere in the system.');

/** Core v1 Event. */
export const eventType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  categories: [],
  namespaced: true,
  description: 'Event is a report of an event somewhere in the system (what a controller did to an object).',
  spec: z.strictObject({}),
  status: z.strictObject({}),
  topLevel: eventTopLevel,
  crd: false,
  selectableFields: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'reason',
    'type',
  ],
  printerColumns: [
    { name: 'LAST SEEN', type: 'date', jsonPath: '.lastTimestamp' },
    { name: 'TYPE', type: 'string', jsonPath: '.type' },
    { name: 'REASON', type: 'string', jsonPath: '.reason' },
    { name: 'OBJECT', type: 'string', jsonPath: '.involvedObject.name', description: 'kind/name of the object (computed by the API server).' },
    { name: 'MESSAGE', type: 'string', jsonPath: '.message' },
  ],
  immutableFields: [],
  tableNameAndAge: false,
};
