import type { PocCreatedData, PocUpdatedData, PocStatus } from '@poc/contracts';
import type { Role } from '@poc/platform';

/** Who gives a command: the user and their roles in the tenant (from the access token). */
export interface Actor {
  readonly userId: string;
  readonly roles: readonly Role[];
}

/** A change to a POC, normalised: each field present is the value wanted (`tags` and `languages` replace the lists). */
export type PocChanges = PocUpdatedData & { readonly tags?: readonly string[]; readonly status?: PocStatus };

/** What can be asked of a POC. `expectedVersion` is the client's `If-Match` (null: whatever the version is). */
export type PocCommand =
  | { readonly type: 'CreatePoc'; readonly actor: Actor; readonly data: PocCreatedData }
  | { readonly type: 'UpdatePoc'; readonly actor: Actor; readonly expectedVersion: number | null; readonly changes: PocChanges }
  | { readonly type: 'DeletePoc'; readonly actor: Actor; readonly expectedVersion: number | null };
