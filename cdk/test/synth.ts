// Test harness: synthesises a stage once per test file, without AWS credentials, and exposes
// every template of the cloud assembly (nested stacks included) for whole-assembly scans.
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStageConfig, type Stage } from '../src/config.ts';
import { addPlatform, type Platform } from '../src/platform.ts';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

/** Context the Edge stack needs once the Global stack exists (fake ARNs, a fresh public key). */
export function globalEdgeContext(): Record<string, string> {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    cloudFrontWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/poc-test/11111111-2222-3333-4444-555555555555',
    cloudFrontCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
    cdnSigningPublicKeyPem: pem,
  };
}

export interface Synthesised {
  readonly platform: Platform;
  /** assertions.Template per stack, by construct id (e.g. 'Poc-Dev-Data'). */
  readonly templates: Record<string, Template>;
  /** Every *.template.json in the assembly directory, recursively, by file name. */
  readonly files: Record<string, CfnTemplate>;
}

export function synthStage(stage: Stage, extraContext: Record<string, string> = globalEdgeContext()): Synthesised {
  const outdir = mkdtempSync(join(tmpdir(), `poc-cdk-${stage}-`));
  const app = new App({ outdir, context: { stage, account: '123456789012', ...extraContext } });
  const platform = addPlatform(app, resolveStageConfig((key) => app.node.tryGetContext(key)));
  app.synth();
  const templates: Record<string, Template> = {};
  for (const stack of platform.stacks) templates[stack.node.id] = Template.fromStack(stack as Stack);
  return { platform, templates, files: readTemplates(outdir) };
}

export function readTemplates(dir: string): Record<string, CfnTemplate> {
  const found: Record<string, CfnTemplate> = {};
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) Object.assign(found, readTemplates(path));
    else if (entry.endsWith('.template.json')) found[entry] = JSON.parse(readFileSync(path, 'utf8')) as CfnTemplate;
  }
  return found;
}

/** Resources that run Lambda code: functions, and the custom resources that need one. */
export function lambdaBackedResources(files: Record<string, CfnTemplate>): string[] {
  const hits: string[] = [];
  for (const [file, template] of Object.entries(files)) {
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const type = resource.Type;
      if (type.startsWith('AWS::Lambda::') || type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource' || type === 'AWS::Serverless::Function') {
        hits.push(`${file}:${id} (${type})`);
      }
    }
  }
  return hits;
}

export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

export function only<T>(record: Record<string, T>): T {
  const values = Object.values(record);
  if (values.length !== 1) throw new Error(`expected exactly one, got ${values.length}`);
  return values[0]!;
}
