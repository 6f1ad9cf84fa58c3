/**
 * The shapes of ../shared/API.md (version 1) as the app sees them. Kept by hand,
 * next to the client, so the app compiles against the contract and nothing else.
 */

export type Role = 'owner' | 'admin' | 'member' | 'analyst';

export interface Tenant {
  id: string;
  name: string;
  slug: string;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
}

export interface Me extends User {
  tenant: Tenant;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export interface SignUpRequest {
  name: string;
  slug: string;
  admin: { email: string; password: string; displayName: string };
}

export interface SignUpResponse extends TokenPair {
  tenant: Tenant;
  user: User;
}

export interface LoginRequest {
  tenant: string;
  email: string;
  password: string;
}

export const POC_STATUSES = ['idea', 'in_progress', 'done', 'abandoned'] as const;
export type PocStatus = (typeof POC_STATUSES)[number];

export interface Poc {
  id: string;
  name: string;
  description: string | null;
  languages: string[];
  tags: string[];
  repoUrl: string | null;
  status: PocStatus;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  version: number;
  /** Search answers only: matched text, with the match between `<mark>` and `</mark>`. */
  highlight?: Record<string, string | string[]>;
}

export interface PocWrite {
  name?: string;
  description?: string | null;
  languages?: string[];
  tags?: string[];
  repoUrl?: string | null;
  status?: PocStatus;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export interface PocCreate extends PocWrite {
  name: string;
}

export interface WriteResult {
  id: string;
  version: number;
  /** The write's position: reads that send it back see the write. */
  consistencyToken: string | null;
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface Facets {
  languages: FacetValue[];
  tags: FacetValue[];
  status: FacetValue[];
}

export type PocSort = 'relevance' | '-createdAt' | 'name';

export interface PocQuery {
  q?: string;
  name?: string;
  language?: string[];
  tag?: string[];
  status?: PocStatus;
  from?: string;
  to?: string;
  sort?: PocSort;
  limit?: number;
  cursor?: string;
}

export interface PocPage {
  items: Poc[];
  total: number;
  facets: Facets;
  nextCursor: string | null;
}

export interface Suggestions {
  names: string[];
  tags: string[];
  languages: string[];
}

export type DojoStatus = 'scheduled' | 'live' | 'ended';
export type DojoRole = 'pilot' | 'copilot' | 'observer';

export interface DojoParticipant {
  userId: string;
  displayName: string;
  role: DojoRole;
  present?: boolean;
}

export interface Dojo {
  id: string;
  title: string;
  kata: string | null;
  language: string;
  status: DojoStatus;
  scheduledAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  rotationMinutes: number;
  participants: DojoParticipant[];
  createdBy: string;
  pilot?: string | null;
  rotationEndsAt?: string | null;
}

export interface DojoCreate {
  title: string;
  kata?: string;
  language: string;
  starterCode?: string;
  scheduledAt?: string;
  rotationMinutes?: number;
}

export interface DojoPage {
  items: Dojo[];
  nextCursor?: string | null;
}

export interface DojoCode {
  code: string;
  updatedAt: string | null;
}

/** `doc.getMap('session')` of a dojo's shared document (written by the server). */
export interface DojoSessionState {
  status?: DojoStatus;
  pilot?: string | null;
  pilotName?: string | null;
  rotationMinutes?: number;
  /** Epoch milliseconds of the next rotation, or null when not live. */
  rotationEndsAt?: number | null;
  participants?: DojoParticipant[];
}

export interface ReportPeriod {
  from?: string;
  to?: string;
  year?: number;
}

export interface CountBy {
  key: string;
  count: number;
}

/** `GET /v1/reports/summary`. The app reads it leniently: buckets may come as arrays or maps. */
export interface ReportSummary {
  totals: Record<string, number>;
  byMonth: unknown;
  byLanguage: unknown;
  byTag: unknown;
  byStatus: unknown;
  dojos: unknown;
}

export type VideoStatus = 'queued' | 'rendering' | 'done' | 'failed';

export interface Video {
  id: string;
  year: number;
  status: VideoStatus;
  progress: number;
  durationSeconds?: number;
  url?: string;
  error?: string;
}
