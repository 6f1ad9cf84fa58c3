import type { TSchema } from '@sinclair/typebox';
import { ConsistencyTokenPayload } from './consistency-token.ts';
import { EventEnvelopeSchema } from './envelope.ts';
import { pocEventEnvelopeSchemas } from './pocs/events.ts';
import { pocHttpSchemas } from './pocs/http.ts';
import { Problem } from './problem.ts';
import { videoEventEnvelopeSchemas } from './videos/events.ts';
import { videoHttpSchemas } from './videos/http.ts';

const DRAFT = 'http://json-schema.org/draft-07/schema#';

function file(schema: TSchema): string {
  // JSON.stringify drops TypeBox's symbol keys: what is left is plain JSON Schema.
  return `${JSON.stringify({ $schema: DRAFT, ...schema }, null, 2)}\n`;
}

/**
 * Every contract as a JSON Schema document, keyed by its path under
 * `contracts/schemas/`: the envelope, each POC event at each schema version
 * (full envelope, `type` and `schemaVersion` fixed), each video event, the HTTP bodies, the
 * problem format and the decoded Consistency-Token. `pnpm --filter @poc/contracts schemas`
 * writes them; a test fails when the checked-in files differ.
 */
export function jsonSchemaFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'envelope.json': file(EventEnvelopeSchema),
    'problem.json': file(Problem),
    'consistency-token.json': file(ConsistencyTokenPayload),
  };
  for (const { schema } of pocEventEnvelopeSchemas) files[`events/${String(schema.$id)}.json`] = file(schema);
  for (const schema of pocHttpSchemas) files[`http/${String(schema.$id)}.json`] = file(schema);
  for (const { schema } of videoEventEnvelopeSchemas) files[`events/${String(schema.$id)}.json`] = file(schema);
  for (const schema of videoHttpSchemas) files[`http/${String(schema.$id)}.json`] = file(schema);
  return files;
}
