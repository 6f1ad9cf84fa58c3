import { DOJO_CLOSE } from '@poc/contracts/dojo';
import { type TokenVerifier, UnauthorizedError, hasAnyRole } from '@poc/platform';
import type { DojoRepository } from '../store/dojos.ts';
import { CloseError, type Extension } from '../sync/types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A display name as shown to others: printable, trimmed, at most 100 characters. */
export function cleanDisplayName(name: string | undefined): string | undefined {
  const cleaned = name?.replace(/\p{C}/gu, '').trim().slice(0, 100);
  return cleaned ? cleaned : undefined;
}

/**
 * Authenticates a sync connection before any document byte is sent: the
 * access token (4401), the dojo (4404), its tenant (4403). Analysts, and
 * everyone once the dojo ended, join read-only.
 */
export function authenticateExtension(deps: { verifier: TokenVerifier; dojos: DojoRepository }): Extension {
  return {
    name: 'authenticate',
    async onAuthenticate(request) {
      if (!request.token) throw new CloseError(DOJO_CLOSE.BAD_TOKEN);
      let principal;
      try {
        principal = await deps.verifier.verify(request.token);
      } catch (error) {
        if (error instanceof UnauthorizedError) throw new CloseError(DOJO_CLOSE.BAD_TOKEN);
        throw error;
      }
      if (!UUID.test(request.dojoId)) throw new CloseError(DOJO_CLOSE.NOT_FOUND);
      const dojo = await deps.dojos.tenantOf(request.dojoId.toLowerCase());
      if (!dojo) throw new CloseError(DOJO_CLOSE.NOT_FOUND);
      if (dojo.tenantId !== principal.tenantId) throw new CloseError(DOJO_CLOSE.FORBIDDEN);
      const editor = hasAnyRole(principal, ['owner', 'admin', 'member']);
      if (!editor && !hasAnyRole(principal, ['analyst'])) throw new CloseError(DOJO_CLOSE.FORBIDDEN);
      return {
        tenantId: principal.tenantId,
        userId: principal.userId,
        roles: principal.roles,
        displayName: cleanDisplayName(request.name) ?? principal.userId,
        readOnly: !editor || dojo.status === 'ended',
      };
    },
  };
}
