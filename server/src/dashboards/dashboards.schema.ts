import { z } from 'zod';
import { insightSchema } from '../insights/insights.schema.js';
import { filterSchema } from '../query/definitions.js';

/** Filters a dashboard applies to every tile: a date range and extra property filters. */
export const dashboardFiltersSchema = z
  .object({
    dateFrom: z.string().max(64).optional().describe('ISO date, or a relative range like "-7d"'),
    dateTo: z.string().max(64).optional(),
    filters: z.array(filterSchema).max(20).optional().describe("Property or cohort filters added to every tile's query"),
  })
  .strict();

export const layoutSchema = z.object({
  width: z.number().int().min(1).max(12).describe('Columns of a 12-column grid'),
  height: z.number().int().min(1).max(8).describe('Rows of the grid'),
});

export const tileSchema = z.object({
  id: z.uuid(),
  insightId: z.uuid(),
  position: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  insight: insightSchema,
});
export type Tile = z.infer<typeof tileSchema>;

export const dashboardSummarySchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  name: z.string(),
  description: z.string(),
  filters: dashboardFiltersSchema,
  refreshSeconds: z.number().int().nullable(),
  isDefault: z.boolean(),
  tileCount: z.number().int(),
  createdBy: z.uuid().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DashboardSummary = z.infer<typeof dashboardSummarySchema>;

export const dashboardSchema = dashboardSummarySchema.extend({ tiles: z.array(tileSchema) });
export type Dashboard = z.infer<typeof dashboardSchema>;

export const createDashboardBody = z.object({
  name: z.string().trim().min(1, 'give the dashboard a name').max(200),
  description: z.string().max(2000).default(''),
  filters: dashboardFiltersSchema.default({}),
  refreshSeconds: z.number().int().min(30, 'auto-refresh can be no faster than every 30 seconds').max(86_400).nullable().default(null),
});
export type CreateDashboard = z.output<typeof createDashboardBody>;

export const updateDashboardBody = z
  .object({
    name: z.string().trim().min(1, 'give the dashboard a name').max(200),
    description: z.string().max(2000),
    filters: dashboardFiltersSchema,
    refreshSeconds: z.number().int().min(30, 'auto-refresh can be no faster than every 30 seconds').max(86_400).nullable(),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateDashboard = z.output<typeof updateDashboardBody>;

export const addTileBody = z.object({
  insightId: z.uuid({ message: 'not an insight id' }),
  width: z.number().int().min(1).max(12).default(6),
  height: z.number().int().min(1).max(8).default(2),
});
export type AddTile = z.output<typeof addTileBody>;

export const updateTileBody = layoutSchema.partial().refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export const layoutBody = z.object({
  tiles: z
    .array(layoutSchema.extend({ id: z.uuid() }))
    .max(200)
    .describe('Every tile of the dashboard in its new order, with its size'),
});
export type LayoutInput = z.output<typeof layoutBody>;
