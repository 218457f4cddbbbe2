import { z } from 'zod';
import type { TenantStores } from '../tenancy/stores.js';
import { defineRoute } from '../http/route.js';
import {
  addTileBody,
  createDashboardBody,
  dashboardSchema,
  dashboardSummarySchema,
  layoutBody,
  updateDashboardBody,
  updateTileBody,
} from './dashboards.schema.js';
import { dashboardService } from './dashboards.service.js';

const projectParams = z.object({ projectId: z.uuid() });
const dashboardParams = z.object({ projectId: z.uuid(), dashboardId: z.uuid({ message: 'not a dashboard id' }) });
const tileParams = dashboardParams.extend({ tileId: z.uuid({ message: 'not a tile id' }) });

export function dashboardRoutes(tenants: TenantStores) {
  const svc = dashboardService(tenants);
  const tags = ['dashboards'];
  const viewer = { kind: 'project', role: 'viewer' } as const;
  const member = { kind: 'project', role: 'member' } as const;
  return [
    defineRoute({
      method: 'get',
      path: '/projects/:projectId/dashboards',
      summary: "List a project's dashboards, the default one first",
      tags,
      access: viewer,
      params: projectParams,
      list: true,
      response: dashboardSummarySchema,
      handler: (ctx, { page }) => svc.list(ctx, page),
    }),
    defineRoute({
      method: 'post',
      path: '/projects/:projectId/dashboards',
      summary: 'Create an empty dashboard',
      tags,
      access: member,
      params: projectParams,
      body: createDashboardBody,
      status: 201,
      response: dashboardSchema,
      handler: (ctx, { body }) => svc.create(ctx, body),
    }),
    defineRoute({
      method: 'get',
      path: '/projects/:projectId/dashboards/:dashboardId',
      summary: 'A dashboard with its tiles (each with its saved insight), in order',
      tags,
      access: viewer,
      params: dashboardParams,
      response: dashboardSchema,
      handler: (ctx, { params }) => svc.get(ctx, params.dashboardId),
    }),
    defineRoute({
      method: 'patch',
      path: '/projects/:projectId/dashboards/:dashboardId',
      summary: 'Rename a dashboard or change its filters and auto-refresh',
      tags,
      access: member,
      params: dashboardParams,
      body: updateDashboardBody,
      response: dashboardSchema,
      handler: (ctx, { params, body }) => svc.update(ctx, params.dashboardId, body),
    }),
    defineRoute({
      method: 'delete',
      path: '/projects/:projectId/dashboards/:dashboardId',
      summary: 'Delete a dashboard (its insights stay)',
      tags,
      access: member,
      params: dashboardParams,
      status: 204,
      response: null,
      handler: (ctx, { params }) => svc.remove(ctx, params.dashboardId),
    }),
    defineRoute({
      method: 'post',
      path: '/projects/:projectId/dashboards/:dashboardId/tiles',
      summary: 'Add a saved insight to a dashboard as a tile at the end',
      tags,
      access: member,
      params: dashboardParams,
      body: addTileBody,
      status: 201,
      response: dashboardSchema,
      handler: (ctx, { params, body }) => svc.addTile(ctx, params.dashboardId, body),
    }),
    defineRoute({
      method: 'patch',
      path: '/projects/:projectId/dashboards/:dashboardId/tiles/:tileId',
      summary: 'Resize a tile',
      tags,
      access: member,
      params: tileParams,
      body: updateTileBody,
      response: dashboardSchema,
      handler: (ctx, { params, body }) => svc.updateTile(ctx, params.dashboardId, params.tileId, body),
    }),
    defineRoute({
      method: 'delete',
      path: '/projects/:projectId/dashboards/:dashboardId/tiles/:tileId',
      summary: 'Remove a tile from a dashboard (the insight stays)',
      tags,
      access: member,
      params: tileParams,
      response: dashboardSchema,
      handler: (ctx, { params }) => svc.removeTile(ctx, params.dashboardId, params.tileId),
    }),
    defineRoute({
      method: 'put',
      path: '/projects/:projectId/dashboards/:dashboardId/layout',
      summary: 'Reorder and resize all tiles at once',
      tags,
      access: member,
      params: dashboardParams,
      body: layoutBody,
      response: dashboardSchema,
      handler: (ctx, { params, body }) => svc.layout(ctx, params.dashboardId, body),
    }),
  ];
}
