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

const secretKeyVerdicts = new Map<string, boolean>();
const maxRememberedKeys = 10_000;

export function isSecretKey(key: string): boolean {
  // Records repeat the same few hundred keys: each is judged once (a bounded memo, so odd data cannot grow it).
  const known = secretKeyVerdicts.get(key);
  if (known !== undefined) return known;
  const normalized = key.toLowerCase().replace(/[-_]/g, '');
  const secret = secretKeyExact.has(normalized) || secretKeySuffixes.some((suffix) => normalized.endsWith(suffix));
  if (secretKeyVerdicts.size < maxRememberedKeys) secretKeyVerdicts.set(key, secret);
  return secret;
}

/**
 * Credential shapes; each keeps a harmless prefix (group 1) so that a reader can still tell what was
 * there. Each starts with literal characters, which lets the regular expression engine skip through text
 * quickly, and every repetition is bounded (an unbounded one backtracks quadratically over megabytes).
 */
const credentialPatterns: readonly RegExp[] = [
  // `Bearer <token>` anywhere (headers serialized into strings, curl lines in logs).
  /(Bearer\s{1,8})[A-Za-z0-9._~+/-]{16,}=*/g,
  // OpenAI / Anthropic style keys: sk-..., sk-proj-..., sk-ant-...
  /(sk-)[A-Za-z0-9_-]{20,}/g,
  // Google API keys.
  /(AIza)[0-9A-Za-z_-]{35}/g,
  // GitHub tokens.
  /(gh[pousr]_)[A-Za-z0-9]{36,}/g,
  /(github_pat_)[A-Za-z0-9_]{22,}/g,
  // Hugging Face tokens.
  /(hf_)[A-Za-z0-9]{30,}/g,
  // AWS access key ids.
  /(A[KS]IA)[0-9A-Z]{16}(?![0-9A-Za-z])/g,
  // Slack tokens.
  /(xox[baprs]-)[A-Za-z0-9-]{10,}/g,
  // Credentials in URL query strings: ?key=..., &api_key=..., &access_token=...
  /([?&](?:[Kk]ey|KEY|[Aa]pi[-_]?[Kk]ey|API[-_]?KEY|apikey|[Tt]oken|TOKEN|access[-_]?token|auth|password|secret)=)[^&\s"'#]+/g,
  // Passwords in URLs: scheme://user:password@host
  /(:\/\/[^/\s:@"']{1,256}:)[^@\s/"']{1,256}(?=@)/g,
];

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
  // One pass over the text says whether any credential shape occurs at all; most strings hold none, and
  // then the patterns are not run one by one.
  const anyPattern = patterns.length > 0 ? new RegExp(patterns.map((pattern) => pattern.source).join('|')) : undefined;

  const redactText = (text: string): string => {
    // Nothing shorter than "?key=x" can hold a secret this redactor finds; most strings of a record are.
    if (text.length < 6) return text;
    let redacted = text;
    for (const literal of literalValues) {
      if (redacted.includes(literal)) redacted = redacted.replaceAll(literal, literals.get(literal)!);
    }
    if (anyPattern?.test(redacted)) {
      for (const pattern of patterns) redacted = redacted.replace(pattern, (_match, prefix: string) => `${prefix}${redactedPlaceholder}`);
    }
    return redacted;
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
