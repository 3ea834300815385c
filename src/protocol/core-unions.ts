import type { Static } from '@sinclair/typebox';
import type { CoreEvent, Health, Priority, ReplicateInstruction, ServerStatus } from '../core/index.js';
import type {
  EVENTS,
  Health as HealthSchema,
  Priority as PrioritySchema,
  ReplicateInstruction as ReplicateInstructionSchema,
  Status as StatusSchema,
} from './schemas.js';

/*
 * Compile-time checks, nothing at run time: the core's own types and the
 * protocol schemas are written apart (the core imports nothing), so a value
 * added to one and not the other fails `npm run typecheck` here.
 */

/** Exactly the same type (a union with one member more or less is not). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** The same keys, each assignable both ways: for object types built in different ways. */
type Same<A, B> = Equal<keyof A, keyof B> extends true ? ([A] extends [B] ? ([B] extends [A] ? true : false) : false) : false;
type Assert<T extends true> = T;

type SnakeCase<S extends string> = S extends `${infer Head}${infer Rest}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Rest>}`
  : S;
/** A core event as eventBody() puts it on the wire: its keys in snake_case. */
type EventBody<E> = { [K in keyof E as K extends string ? SnakeCase<K> : K]: E[K] };
type EventSchemaBody = Static<(typeof EVENTS)[number]>;
type EventType = CoreEvent['type'];
type EventMatches<K extends EventType> = Same<EventBody<Extract<CoreEvent, { type: K }>>, Omit<Extract<EventSchemaBody, { type: K }>, 'msg_id'>>;

export type CoreUnionsMatchSchemas = [
  Assert<Equal<Health, Static<typeof HealthSchema>>>,
  Assert<Equal<ServerStatus, Static<typeof StatusSchema>>>,
  Assert<Equal<Priority, Static<typeof PrioritySchema>>>,
  Assert<Same<ReplicateInstruction, Static<typeof ReplicateInstructionSchema>>>,
  Assert<Equal<EventType, EventSchemaBody['type']>>,
  Assert<Equal<{ [K in EventType]: EventMatches<K> }[EventType], true>>,
];
