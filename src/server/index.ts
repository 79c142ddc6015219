export { type AccessOptions, applyAccess, defaultAccessOptions, requestSignal } from './access.js';
export { type AppOptions, createApp, type EngineHolder } from './app.js';
export { CHAT_PAGE_SECURITY_HEADERS, type ChatPageOptions, mountChatPage } from './chat-page.js';
export { ClusterRateLimitStore, holdClusterRateLimits } from './cluster-rate-limit-store.js';
export { type ErrorBody, errorResponse } from './http-errors.js';
export {
  approximateTokens,
  mountOpenAiRoutes,
  OPENAI_MODEL_ID,
  type OpenAiErrorBody,
  type OpenAiRoutesOptions,
  openAiErrorResponse,
} from './openai-routes.js';
export {
  type ClusterOptions,
  chooseWorkerCount,
  defaultClusterOptions,
  reportReady,
  runCluster,
  type WorkerReady,
} from './run-cluster.js';
export { defaultRequestLimits, describeZodError, type RequestLimits, requestSchemas } from './schemas.js';
export { listenError, type StartServerOptions, startServer } from './start-server.js';
