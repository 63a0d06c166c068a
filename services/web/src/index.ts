export { buildWebApp, routes, upstreamOf, type WebDeps, type Upstream } from './app.ts';
export { webEnv, loadWebConfig, WebConfigSchema, type WebConfig } from './config.ts';
export { ensureWebBuild, isWebBuildFresh, webSourceHash, webAppDir, defaultStaticDir } from './build.ts';
