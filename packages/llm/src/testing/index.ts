// @codemonkeys/llm/testing: a loopback model server for tests. Nothing here talks to anything but 127.0.0.1.
export { startLoopbackModelServer, type LoopbackModelServer, type LoopbackModelServerOptions } from './loopback-model-server';
export type { LoopbackMessage, LoopbackProtocol, LoopbackRecordedRequest, LoopbackRequest } from './loopback-request';
export { echoHandler, lastUserMessageHandler, queueHandler, type LoopbackHandler, type QueueHandler } from './loopback-handlers';
export {
  connectionResetReply,
  errorReply,
  malformedJsonReply,
  rateLimitedReply,
  rawReply,
  samplesReply,
  serverErrorReply,
  stallingReply,
  textReply,
  toolCallReply,
  type LoopbackChatReply,
  type LoopbackChoice,
  type LoopbackConnectionResetReply,
  type LoopbackEmbeddingsReply,
  type LoopbackErrorReply,
  type LoopbackMalformedJsonReply,
  type LoopbackRawReply,
  type LoopbackReply,
  type LoopbackStallReply,
  type LoopbackToolCall,
  type LoopbackUsage,
} from './loopback-replies';
export { cosineSimilarity, deterministicEmbedding } from './deterministic-embedding';
export { demoAnswerRequestOf, pluginDemoHandler } from './demo-handler';
