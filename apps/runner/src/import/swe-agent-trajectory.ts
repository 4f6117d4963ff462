import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, type Message, type Usage } from '@codemonkeys/protocol';
import type { ImportedInstance, ImportedRun } from './imported-run';

/** What one SWE-agent trajectory gives: the conversation, the final patch and the model's usage. */
export interface SweAgentTrajectory {
  instanceId: string;
  messages: Message[];
  /** `info.submission`; "" when the agent submitted nothing. */
  patch: string;
  usage: Usage | null;
  costUsd: number | null;
  exitStatus: string | null;
}

const roles = new Set(['system', 'user', 'assistant', 'tool']);

/** Message content as text: a string, or OpenAI-style parts of which the text ones are kept. */
function contentText(content: unknown, field: string, file: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content))
    return content
      .map((part, index) => {
        if (typeof part === 'string') return part;
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === 'string') return text;
        if ((part as { type?: unknown } | null)?.type === 'image_url') return '';
        throw new DatasetError({ file, reason: `field "${field}[${index}]" is neither text nor a text part` });
      })
      .join('');
  throw new DatasetError({ file, reason: `field "${field}" must be a string or a list of text parts` });
}

/**
 * Parses a SWE-agent `.traj` (JSON: `history` of chat messages, `trajectory` of steps, `info` with
 * `submission`, `exit_status` and `model_stats` `{ tokens_sent, tokens_received, instance_cost }`), or
 * mini-SWE-agent's `.traj.json` (`messages` instead of `history`). The instance id is the file's
 * `instance_id` when present, else its name without `.traj` / `.traj.json`.
 */
export function parseSweAgentTrajectory(text: string, file: string): SweAgentTrajectory {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DatasetError({ file, reason: `is not valid JSON (${(error as Error).message}); a SWE-agent trajectory is one JSON object`, cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DatasetError({ file, reason: 'must be a JSON object (a SWE-agent trajectory)' });
  const record = value as Record<string, unknown>;
  const historyField = Array.isArray(record.history) ? 'history' : Array.isArray(record.messages) ? 'messages' : undefined;
  if (!historyField) throw new DatasetError({ file, reason: 'has no field "history" (SWE-agent) or "messages" (mini-SWE-agent): not a SWE-agent trajectory' });
  const info = record.info;
  if (typeof info !== 'object' || info === null || Array.isArray(info)) throw new DatasetError({ file, reason: 'field "info" must be an object (with "submission")' });
  const infoRecord = info as Record<string, unknown>;
  if (infoRecord.submission !== undefined && infoRecord.submission !== null && typeof infoRecord.submission !== 'string')
    throw new DatasetError({ file, reason: 'field "info.submission" must be a string (the final patch) or null' });
  const messages: Message[] = (record[historyField] as unknown[]).map((entry, index) => {
    const field = `${historyField}[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new DatasetError({ file, reason: `field "${field}" must be an object` });
    const message = entry as Record<string, unknown>;
    const role = message.role === 'function' ? 'tool' : message.role;
    if (typeof role !== 'string' || !roles.has(role))
      throw new DatasetError({ file, reason: `field "${field}.role" must be system, user, assistant or tool, got ${JSON.stringify(message.role)}` });
    const result: Message = { role: role as Message['role'], content: contentText(message.content, `${field}.content`, file) };
    const toolCalls = message.tool_calls;
    if (Array.isArray(toolCalls) && toolCalls.length > 0) {
      result.toolCalls = toolCalls.map((call, callIndex) => {
        const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
        const id = (call as { id?: unknown } | null)?.id;
        if (typeof fn?.name !== 'string') throw new DatasetError({ file, reason: `field "${field}.tool_calls[${callIndex}].function.name" must be a string` });
        return {
          id: typeof id === 'string' && id !== '' ? id : `call-${index}-${callIndex}`,
          type: 'function' as const,
          function: { name: fn.name, arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) },
        };
      });
    }
    const callIds = message.tool_call_ids;
    if (role === 'tool' && Array.isArray(callIds) && typeof callIds[0] === 'string') result.toolCallId = callIds[0];
    if (role === 'tool' && typeof message.tool_call_id === 'string') result.toolCallId = message.tool_call_id;
    return result;
  });
  const stats = infoRecord.model_stats as Record<string, unknown> | undefined;
  const sent = stats?.tokens_sent;
  const received = stats?.tokens_received;
  const usage: Usage | null =
    typeof sent === 'number' && typeof received === 'number'
      ? { inputTokens: Math.round(sent), outputTokens: Math.round(received), cacheReadTokens: 0, cacheWriteTokens: 0 }
      : null;
  const cost = stats?.instance_cost;
  const base = path.basename(file).replace(/\.traj(\.json)?$/, '');
  const instanceId = typeof record.instance_id === 'string' && record.instance_id !== '' ? record.instance_id : base;
  return {
    instanceId,
    messages,
    patch: (infoRecord.submission as string | null | undefined) ?? '',
    usage,
    costUsd: typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : null,
    exitStatus: typeof infoRecord.exit_status === 'string' ? infoRecord.exit_status : null,
  };
}

async function trajectoryPaths(source: string): Promise<string[]> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new DatasetError({ file: source, reason: 'does not exist' });
  if (stat.isFile()) return [source];
  const files: string[] = [];
  const walk = async (directory: string): Promise<void> => {
    for (const entry of (await fs.readdir(directory, { withFileTypes: true })).sort((left, right) => left.name.localeCompare(right.name))) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.traj(\.json)?$/.test(entry.name)) files.push(full);
    }
  };
  await walk(source);
  if (files.length === 0) throw new DatasetError({ file: source, reason: 'holds no .traj file' });
  return files;
}

/** A `.traj` file, or a folder of them (one instance each): messages and final patch, verdicts unknown unless labelled. */
export async function readSweAgentTrajectories(source: string, options: { system?: string; labels?: (instanceId: string) => boolean | null } = {}): Promise<ImportedRun> {
  const files = await trajectoryPaths(source);
  const hash = createHash('sha256');
  const instances: ImportedInstance[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const display = path.relative(path.dirname(source), file) || path.basename(file);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new DatasetError({ file: display, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, cause: error });
    }
    hash.update(display).update('\0').update(text).update('\0');
    const trajectory = parseSweAgentTrajectory(text, display);
    const previous = seen.get(trajectory.instanceId);
    if (previous) throw new DatasetError({ file: display, reason: `instance "${trajectory.instanceId}" has a trajectory in ${previous} too` });
    seen.set(trajectory.instanceId, display);
    const relative = path.relative(source, file) || path.basename(file);
    const provenance = {
      format: 'swe-agent-trajectory' as const,
      source,
      file: relative,
      originalIds: { instance_id: trajectory.instanceId, ...(trajectory.exitStatus ? { exit_status: trajectory.exitStatus } : {}) },
    };
    instances.push({
      instanceId: trajectory.instanceId,
      candidates: [
        {
          diff: trajectory.patch,
          verdict: trajectory.patch.trim() === '' ? false : (options.labels?.(trajectory.instanceId) ?? null),
          messages: trajectory.messages,
          usage: trajectory.usage,
          costUsd: trajectory.costUsd,
          provenance,
        },
      ],
      chosen: 0,
      provenance,
    });
  }
  const system = options.system ?? path.basename(source).replace(/\.traj(\.json)?$/, '');
  return { format: 'swe-agent-trajectory', source, system, digest: hash.digest('hex'), instances };
}
