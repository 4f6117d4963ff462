import type { DemoAnswerRequest, DemoInstanceScript, PluginDemo } from '@codemonkeys/protocol';
import type { LoopbackHandler } from './loopback-handlers';
import { errorReply } from './loopback-replies';
import type { LoopbackRequest } from './loopback-request';

/** What a plugin's demo is asked (`PluginDemo.answer`) for a request that reached the loopback server. */
export function demoAnswerRequestOf(request: LoopbackRequest, instance: DemoInstanceScript): DemoAnswerRequest {
  const { messages: _messages, ...parameters } = (request.body ?? {}) as Record<string, unknown>;
  return {
    messages: request.messages.map((message) => ({ role: message.role as DemoAnswerRequest['messages'][number]['role'], content: message.content })),
    lastUserMessage: request.lastUserMessage ?? '',
    prompt: request.messages
      .filter((message) => message.role !== 'assistant')
      .map((message) => message.content)
      .join('\n'),
    parameters,
    instance,
  };
}

/** The loopback handler of one plugin's demo on one instance: a request the demo does not claim fails (400). */
export function pluginDemoHandler(demo: PluginDemo, instance: DemoInstanceScript, pluginName: string): LoopbackHandler {
  return (request) => demo.answer(demoAnswerRequestOf(request, instance)) ?? errorReply(400, { message: `not a prompt of ${pluginName}` });
}
