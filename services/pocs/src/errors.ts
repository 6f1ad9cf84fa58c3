/** The pocs service's error codes: one per distinct problem, never reused. */
export const POC_ERR = {
  /** No POC with this id in the caller's tenant (or it was deleted). */
  NOT_FOUND: 'POC_ERR_NOT_FOUND',
  /** The name is empty once trimmed. */
  NAME_BLANK: 'POC_ERR_NAME_BLANK',
  /** A language or a tag is empty once trimmed. */
  LABEL_BLANK: 'POC_ERR_LABEL_BLANK',
  /** `repoUrl` is not an https://github.com/<owner>/... URL. */
  REPO_URL: 'POC_ERR_REPO_URL',
  /** `finishedAt` would come before `startedAt`. */
  FINISHED_BEFORE_STARTED: 'POC_ERR_FINISHED_BEFORE_STARTED',
  /** The caller's roles only allow reading (analyst). */
  READ_ONLY: 'POC_ERR_READ_ONLY',
  /** A member changing a POC someone else created. */
  NOT_AUTHOR: 'POC_ERR_NOT_AUTHOR',
  /** `If-Match` names a version the POC has moved on from. */
  VERSION_MISMATCH: 'POC_ERR_VERSION_MISMATCH',
  /** The same `Idempotency-Key` came with another request. */
  IDEMPOTENCY_KEY_REUSED: 'POC_ERR_IDEMPOTENCY_KEY_REUSED',
  /** A create for an id that already has a stream (never with server-made ids). */
  ALREADY_EXISTS: 'POC_ERR_ALREADY_EXISTS',
  /** Writers kept racing on one POC; the request may be retried. */
  CONTENDED: 'POC_ERR_CONTENDED',
} as const;
