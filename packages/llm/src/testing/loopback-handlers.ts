import { errorReply, textReply, type LoopbackReply } from './loopback-replies';
import type { LoopbackRequest } from './loopback-request';

/** Scripts the loopback server: a function of the request. A string is a text reply. */
export type LoopbackHandler = (request: LoopbackRequest) => LoopbackReply | string | Promise<LoopbackReply | string>;

/** The default chat handler: answers `echo: <last user message>`. */
export const echoHandler: LoopbackHandler = (request) => textReply(`echo: ${request.lastUserMessage ?? ''}`);

/** A handler that answers from a queue, in order; `remaining` says how many are left, `push` adds more. */
export interface QueueHandler extends LoopbackHandler {
  readonly remaining: number;
  push(...replies: Array<LoopbackReply | string>): void;
}

/**
 * Answers the i-th call with the i-th reply. When the queue is empty it calls `whenEmpty`, or answers
 * 400 with a message naming the problem, so that a test that makes more calls than it scripted fails
 * clearly (400 is not retried) instead of hanging.
 */
export function queueHandler(replies: ReadonlyArray<LoopbackReply | string>, options: { whenEmpty?: LoopbackHandler } = {}): QueueHandler {
  const queue = [...replies];
  let served = 0;
  const handler = ((request: LoopbackRequest) => {
    const next = queue.shift();
    if (next !== undefined) {
      served += 1;
      return next;
    }
    if (options.whenEmpty) return options.whenEmpty(request);
    return errorReply(400, {
      message: `The loopback queueHandler has no replies left: it served ${served} and got request #${request.index} (${request.path}). Script more replies.`,
    });
  }) as QueueHandler;
  Object.defineProperty(handler, 'remaining', { get: () => queue.length });
  handler.push = (...more) => {
    queue.push(...more);
  };
  return handler;
}

/**
 * Answers from the text of the last user message: `answer(text, request)` returns the reply text (or
 * any reply). Handy for prompts that embed a file name or a question the test can recognise.
 */
export function lastUserMessageHandler(answer: (lastUserMessage: string, request: LoopbackRequest) => LoopbackReply | string | Promise<LoopbackReply | string>): LoopbackHandler {
  return (request) => answer(request.lastUserMessage ?? '', request);
}
