// The CDK app: `cdk synth -c stage=dev|prod` (see README.md). No AWS credentials are needed to synthesise.
import { App } from 'aws-cdk-lib';
import { resolveStageConfig } from '../src/config.ts';
import { addPlatform } from '../src/platform.ts';

const app = new App();
addPlatform(app, resolveStageConfig((key) => app.node.tryGetContext(key), process.env.CDK_DEFAULT_ACCOUNT));
app.synth();
