export { applyAccess, defaultAccessOptions, requestSignal, type AccessOptions } from './access.js';
export { createApp, type AppOptions, type EngineHolder } from './app.js';
export { CHAT_PAGE_SECURITY_HEADERS, mountChatPage, type ChatPageOptions } from './chat-page.js';
export { errorResponse, type ErrorBody } from './http-errors.js';
export { OPENAI_MODEL_ID, approximateTokens, mountOpenAiRoutes, openAiErrorResponse, type OpenAiErrorBody, type OpenAiRoutesOptions } from './openai-routes.js';
export { defaultRequestLimits, describeZodError, requestSchemas, type RequestLimits } from './schemas.js';
export { startServer, type StartServerOptions } from './start-server.js';
