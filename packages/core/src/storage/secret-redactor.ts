/**
 * Removes secrets from records before a storage backend writes them: values under secret-looking keys
 * (`Authorization`, `apiKey`, `x-api-key`, `password`, ...), strings shaped like well-known API keys and
 * bearer tokens, and the values of secret environment variables wherever they appear.
 *
 * Every SequenceStorage in codemonkeys runs its records through one of these before writing, so a
 * request logged with its headers, an error message quoting a URL with `?key=`, or a prompt that echoes
 * `$OPENAI_API_KEY` never reaches a database file or a Firestore document.
 */
export interface SecretRedactor {
  /** A copy of `value` (JSON data) with every secret replaced by a placeholder; `value` is not modified. */
  redact<T>(value: T): T;
  /** `text` with every secret replaced. */
  redactText(text: string): string;
}

export interface SecretRedactorOptions {
  /**
   * Environment variables whose values are secrets, in addition to every variable whose name ends in
   * `API_KEY`, `APIKEY`, `TOKEN`, `SECRET`, `PASSWORD` or `PASSWD`.
   */
  secretEnvironmentVariables?: readonly string[];
  /** The environment to read them from; defaults to `process.env`. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Further literal secrets (e.g. a key read from a file). */
  secretValues?: readonly string[];
  /**
   * Redact strings shaped like well-known credentials (`sk-...`, `AIza...`, `ghp_...`, `hf_...`, AWS key
   * ids, `Bearer ...`, `?key=` in URLs, passwords in URLs). On by default; turn off only when stored
   * data legitimately contains such strings (e.g. test fixtures) and no real credential can reach it.
   */
  credentialPatterns?: boolean;
}

/** What a redacted value becomes. Environment values name their variable, which is not a secret. */
export const redactedPlaceholder = '[REDACTED]';

/** Shorter values are not treated as secrets: redacting every "1" or "true" would destroy the records. */
const minimumSecretLength = 8;

const secretVariableName = /(?:API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD)$/i;

/** Key names (lower-cased, without `-` and `_`) whose values are credentials. */
const secretKeyExact = new Set(['authorization', 'proxyauthorization', 'cookie', 'setcookie', 'token', 'xapikey', 'apikey']);
const secretKeySuffixes = ['apikey', 'secret', 'password', 'passwd', 'accesstoken', 'refreshtoken', 'authtoken', 'sessiontoken', 'bearertoken', 'idtoken', 'privatekey'];

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, '');
  return secretKeyExact.has(normalized) || secretKeySuffixes.some((suffix) => normalized.endsWith(suffix));
}

/** Credential shapes; each keeps a harmless prefix so that a reader can still tell what was there. */
const credentialPatterns: ReadonlyArray<{ pattern: string; replace: (match: string, prefix: string | undefined) => string }> = [
  // `Bearer <token>` anywhere (headers serialized into strings, curl lines in logs).
  { pattern: '(Bearer\\s+)[A-Za-z0-9._~+/-]{16,}=*', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  // OpenAI / Anthropic style keys: sk-..., sk-proj-..., sk-ant-...
  { pattern: '(sk-)[A-Za-z0-9_-]{20,}', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  // Google API keys.
  { pattern: '(AIza)[0-9A-Za-z_-]{35}', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  // GitHub tokens.
  { pattern: '(gh[pousr]_)[A-Za-z0-9]{36,}', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  { pattern: '(github_pat_)[A-Za-z0-9_]{22,}', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  // Hugging Face tokens.
  { pattern: '(hf_)[A-Za-z0-9]{30,}', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  // AWS access key ids.
  { pattern: '\\b((?:AKIA|ASIA))[0-9A-Z]{16}\\b', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  // Slack tokens.
  { pattern: '(xox[baprs]-)[A-Za-z0-9-]{10,}', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
  // Credentials in URL query strings: ?key=..., &api_key=..., &access_token=...
  {
    pattern: '([?&](?:key|api[-_]?key|apikey|token|access[-_]?token|auth|password|secret)=)[^&\\s"\'#]+',
    replace: (_match, prefix) => `${prefix}${redactedPlaceholder}`,
  },
  // Passwords in URLs: scheme://user:password@host
  // (Every repetition is bounded: an unbounded one backtracks quadratically over megabyte-long strings.)
  { pattern: '(\\b[a-z][a-z0-9+.-]{0,30}://[^/\\s:@"\']{1,256}:)[^@\\s/"\']{1,256}(?=@)', replace: (_match, prefix) => `${prefix}${redactedPlaceholder}` },
];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createSecretRedactor(options: SecretRedactorOptions = {}): SecretRedactor {
  const environment = options.environment ?? process.env;
  const extraNames = new Set(options.secretEnvironmentVariables ?? []);
  // Literal secrets, longest first so that a secret containing another is replaced whole.
  const literals = new Map<string, string>();
  for (const [name, value] of Object.entries(environment)) {
    if (!value || value.length < minimumSecretLength) continue;
    if (extraNames.has(name) || secretVariableName.test(name)) literals.set(value, `[REDACTED:${name}]`);
  }
  for (const value of options.secretValues ?? []) if (value.length >= minimumSecretLength) literals.set(value, redactedPlaceholder);
  const literalValues = [...literals.keys()].sort((a, b) => b.length - a.length);

  const patterns = options.credentialPatterns === false ? [] : credentialPatterns;
  // One alternation, one pass per string: group 1 is a literal, then one group pair per credential pattern.
  const alternatives: string[] = [];
  if (literalValues.length > 0) alternatives.push(`(${literalValues.map(escapeRegExp).join('|')})`);
  for (const { pattern } of patterns) alternatives.push(`(${pattern})`);
  const combined = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : undefined;
  const literalGroups = literalValues.length > 0 ? 1 : 0;

  const redactText = (text: string): string => {
    if (!combined || text.length === 0) return text;
    combined.lastIndex = 0;
    return text.replace(combined, (...groups: unknown[]) => {
      const match = groups[0] as string;
      if (literalGroups === 1 && groups[1] !== undefined) return literals.get(match) ?? redactedPlaceholder;
      // Each credential pattern contributes its outer group and its prefix group.
      let group = 1 + literalGroups;
      for (const { replace } of patterns) {
        if (groups[group] !== undefined) return replace(match, groups[group + 1] as string | undefined);
        group += 2;
      }
      return match;
    });
  };

  const redactAll = (value: unknown): unknown => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return redactedPlaceholder;
    if (Array.isArray(value)) return value.map(redactAll);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactAll(inner)]));
    return value;
  };

  const redactValue = (value: unknown): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) return value.map(redactValue);
    if (value && typeof value === 'object') {
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redactValue((value as { toJSON(): unknown }).toJSON());
      const copy: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) copy[key] = isSecretKey(key) ? redactAll(inner) : redactValue(inner);
      return copy;
    }
    return value;
  };

  return {
    redact: <T>(value: T): T => redactValue(value) as T,
    redactText,
  };
}
