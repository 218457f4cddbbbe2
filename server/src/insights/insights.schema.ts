import { z } from 'zod';
import { dateSchema, querySchema } from '../query/definitions.js';

/**
 * What an insight can show: a query kind of the query engine (POST /projects/{projectId}/query),
 * or `top_events`, the ranked event names of GET /projects/{projectId}/event-names.
 */
export const insightKinds = ['trends', 'funnel', 'retention', 'paths', 'stickiness', 'lifecycle', 'churn_risk', 'events', 'persons', 'top_events'] as const;

/**
 * A saved query definition: the `query` of POST /projects/{projectId}/query. Its full shape is
 * the query engine's contract and is checked when the insight runs; here we only require a
 * known kind, so a saved insight keeps working as the engine grows new options. `dateFrom` and
 * `dateTo` may be relative (`-30d`, `-12w`, `-6m`): clients resolve them to dates against today
 * in the project's time zone before running the query.
 */
const RELATIVE_DATE = /^-\d{1,4}[hdwmy]$/;

const topEventsQuerySchema = z
  .object({
    kind: z.literal('top_events'),
    dateFrom: z.string().regex(RELATIVE_DATE, 'must be relative, like -30d').or(dateSchema),
    dateTo: z.string().regex(RELATIVE_DATE, 'must be relative, like -1d').or(dateSchema).optional(),
    limit: z.number().int().min(1).max(100).default(10),
  })
  .strict();

/** Checks a definition against the query engine's own schema, relative dates standing in as dates. */
function checkDefinition(q: Record<string, unknown> & { kind: string }, ctx: z.RefinementCtx) {
  if (JSON.stringify(q).length > 64_000) {
    ctx.addIssue({ code: 'custom', message: 'the query definition is over 64,000 characters' });
    return;
  }
  const asDates = { ...q };
  for (const k of ['dateFrom', 'dateTo'] as const) if (typeof q[k] === 'string' && RELATIVE_DATE.test(q[k] as string)) asDates[k] = '2000-01-01';
  const r = q.kind === 'top_events' ? topEventsQuerySchema.safeParse(q) : querySchema.safeParse(asDates);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}

export const insightQuerySchema = z.object({ kind: z.enum(insightKinds) }).catchall(z.unknown()).superRefine(checkDefinition);

export const insightDisplays = ['auto', 'line', 'bar', 'number', 'table'] as const;

export const insightSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  name: z.string(),
  description: z.string(),
  query: z.object({ kind: z.enum(insightKinds) }).catchall(z.unknown()),
  display: z.enum(insightDisplays),
  createdBy: z.uuid().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Insight = z.infer<typeof insightSchema>;

export const createInsightBody = z.object({
  name: z.string().trim().min(1, 'give the insight a name').max(200),
  description: z.string().max(2000).default(''),
  query: insightQuerySchema,
  display: z.enum(insightDisplays).default('auto'),
});
export type CreateInsight = z.output<typeof createInsightBody>;

export const updateInsightBody = z
  .object({
    name: z.string().trim().min(1, 'give the insight a name').max(200),
    description: z.string().max(2000),
    query: insightQuerySchema,
    display: z.enum(insightDisplays),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateInsight = z.output<typeof updateInsightBody>;

export const insightListQuery = z.object({
  search: z.string().trim().max(200).optional(),
  kind: z.enum(insightKinds).optional(),
});
