import { z } from 'zod';
import { eventNameSchema, propertyFilterSchema } from '../definitions.js';

const personFilter = propertyFilterSchema.describe('A filter on a person property (its `type` is ignored: always person)');
const eventFilter = propertyFilterSchema.describe('A filter on the counted events');

/** A saved cohort: behavioural (did X at least N times in the last D days) or by person property. */
export const cohortDefinitionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('behavioral'),
    event: eventNameSchema,
    filters: z.array(eventFilter).max(20).default([]),
    minCount: z.number().int().min(1).max(1_000_000).default(1).describe('At least this many times'),
    days: z.number().int().min(1).max(3650).describe('In the last D days (relative to when the query runs)'),
  }),
  z.object({
    type: z.literal('person'),
    filters: z.array(personFilter).min(1).max(20),
  }),
]);

export type CohortDefinition = z.output<typeof cohortDefinitionSchema>;

export const cohortInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  definition: cohortDefinitionSchema,
});

export const cohortPatchSchema = cohortInputSchema.partial();

export const cohortSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  name: z.string(),
  description: z.string(),
  definition: cohortDefinitionSchema,
  createdBy: z.uuid().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type Cohort = z.output<typeof cohortSchema>;
