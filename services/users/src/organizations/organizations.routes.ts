import { currentUser, requireInternal, requireUser } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { OrganizationsService } from './organizations.service.ts';
import {
  answerInvitationSchema,
  auditSchema,
  changeRoleSchema,
  createOrganizationSchema,
  getOrganizationSchema,
  internalOwnersSchema,
  inviteSchema,
  listMembersSchema,
  listOrganizationsSchema,
  myInvitationsSchema,
  removeMemberSchema,
  renameOrganizationSchema,
  revokeInvitationSchema,
} from './organizations.schemas.ts';

export function registerOrganizationRoutes(
  app: App,
  deps: { organizations: OrganizationsService; auth: { secret: string; issuer: string; internalSecret: string } },
): void {
  const { organizations: orgs } = deps;
  const preHandler = requireUser(deps.auth);
  const internal = requireInternal({ secret: deps.auth.internalSecret, issuer: deps.auth.issuer });

  // Service-to-service (docs/internal-api.md): internal tokens only, checked before anything else.
  app.get('/internal/organizations/:id/owners', { schema: internalOwnersSchema, onRequest: internal }, async (request) =>
    orgs.ownersOf(request.params.id),
  );

  app.post('/api/organizations', { schema: createOrganizationSchema, preHandler }, async (request, reply) => {
    const org = await orgs.create(currentUser(request), request.body.name);
    return reply.status(201).header('location', `/api/organizations/${org.organization_id}`).send(org);
  });
  app.get('/api/organizations', { schema: listOrganizationsSchema, preHandler }, async (request) => ({
    organizations: await orgs.listMine(currentUser(request)),
  }));
  app.get('/api/organizations/:id', { schema: getOrganizationSchema, preHandler }, async (request) =>
    orgs.get(currentUser(request), request.params.id),
  );
  app.patch('/api/organizations/:id', { schema: renameOrganizationSchema, preHandler }, async (request) =>
    orgs.rename(currentUser(request), request.params.id, request.body.name),
  );
  app.get('/api/organizations/:id/members', { schema: listMembersSchema, preHandler }, async (request) =>
    orgs.members(currentUser(request), request.params.id),
  );
  app.put('/api/organizations/:id/members/:userId', { schema: changeRoleSchema, preHandler }, async (request) =>
    orgs.changeRole(currentUser(request), request.params.id, request.params.userId, request.body),
  );
  app.delete('/api/organizations/:id/members/:userId', { schema: removeMemberSchema, preHandler }, async (request, reply) => {
    await orgs.removeMember(currentUser(request), request.params.id, request.params.userId);
    return reply.status(204).send(null);
  });
  app.post('/api/organizations/:id/invitations', { schema: inviteSchema, preHandler }, async (request, reply) =>
    reply.status(201).send(await orgs.invite(currentUser(request), request.params.id, request.body)),
  );
  app.delete('/api/organizations/:id/invitations/:invitationId', { schema: revokeInvitationSchema, preHandler }, async (request) =>
    orgs.revokeInvitation(currentUser(request), request.params.id, request.params.invitationId),
  );
  app.get('/api/organizations/:id/audit', { schema: auditSchema, preHandler }, async (request) =>
    orgs.auditLog(currentUser(request), request.params.id, request.query),
  );

  app.get('/api/invitations', { schema: myInvitationsSchema, preHandler }, async (request) => ({
    invitations: await orgs.myInvitations(currentUser(request)),
  }));
  app.post('/api/invitations/:invitationId/accept', { schema: answerInvitationSchema, preHandler }, async (request) =>
    orgs.answerInvitation(currentUser(request), request.params.invitationId, 'accepted'),
  );
  app.post('/api/invitations/:invitationId/decline', { schema: answerInvitationSchema, preHandler }, async (request) =>
    orgs.answerInvitation(currentUser(request), request.params.invitationId, 'declined'),
  );
}
