// The bundler's entry point (`entryPoint` of @poc/video-composition).
import { registerRoot } from 'remotion';
import { RemotionRoot } from './Root.tsx';

registerRoot(RemotionRoot);
